/**
 * The loop end to end on real data, as a user would see it: a champion trained without
 * one dataset serves that dataset's traffic; reviewers answer the review queue with the
 * dataset's labels as they go; drift alerts start a retrain (in this process, through
 * the real server, store, pipeline and gate); the candidate scores the rest of the
 * traffic in shadow. Reported: when the alert fired, what the retrain did, the
 * experiment's own figures, and both models measured directly on the held-out test
 * split of the new dataset and of the base data. The loop test and `bash
 * scripts/quality-doc.sh` (docs/quality.md) run it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config.js";
import { readExamples, resolveDatasets, type Example } from "../src/data/datasets.js";
import { Engine } from "../src/engine/engine.js";
import { evaluate, type EvalReport } from "../src/eval/evaluate.js";
import { mulberry32 } from "../src/model/shuffle.js";
import { runTraining } from "../src/pipeline/run.js";
import { Registry } from "../src/registry/registry.js";
import { EngineSlot, buildServer, type ServerContext } from "../src/server/app.js";
import { SqliteStore } from "../src/store/sqlite.js";
import type { RetrainRecord } from "../src/store/types.js";
import type { FastifyInstance } from "fastify";

export interface ScenarioOptions {
  /** The folder of dataset folders (../shared/data). */
  readonly sharedData: string;
  /** Datasets the champion is trained on. */
  readonly base: readonly string[];
  /** The dataset the champion never saw, whose traffic arrives. */
  readonly target: string;
  readonly workDir: string;
  /** Messages of the target's train split replayed before and during the retrain (at most). */
  readonly replay: number;
  /** Messages of the target's test split replayed while the candidate runs in shadow. */
  readonly shadowReplay: number;
  readonly randomShare: number;
  readonly minLabels: number;
  readonly log?: (line: string) => void;
}

export interface ScenarioResult {
  readonly options: Omit<ScenarioOptions, "log" | "workDir">;
  readonly champion: string;
  readonly messagesBeforeTrigger: number | null;
  readonly labelsBeforeTrigger: number;
  readonly retrain: RetrainRecord | null;
  readonly experiment: Record<string, unknown> | null;
  /** Both models on the target's whole test split and the base datasets' test splits. */
  readonly direct: { readonly champion: EvalReport; readonly challenger: EvalReport | null };
}

/** The scenario's champion data: one dataset per head, several languages, small enough to train in seconds. */
export const SCENARIO_BASE = ["dkhate", "germeval2018", "mlma-en", "mlma-fr", "stormfront-hate", "youtube-spam"] as const;

const TOKEN = "scenario";
const BATCH = 50;

function shuffled<T>(rows: readonly T[], seed: number): T[] {
  const out = [...rows];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What the scenario sent, by prediction id: the message's true label, and its place in the order of sending. */
type Sent = Map<string, { readonly label: 0 | 1; readonly order: number }>;

/** Classify `rows` in batches as clients would; after each batch reviewers clear the queue. */
async function replay(app: FastifyInstance, ctx: ServerContext, rows: readonly Example[], sentById: Sent, stopWhen: (sent: number) => Promise<boolean>): Promise<number> {
  let sent = 0;
  for (let k = 0; k < rows.length; k += BATCH) {
    const batch = rows.slice(k, k + BATCH);
    const res = await app.inject({ method: "POST", url: "/v1/classify", payload: { texts: batch.map((r) => r.text) } });
    if (res.statusCode !== 200) throw new Error(`classify answered ${res.statusCode}: ${res.body}`);
    (res.json() as { results: Array<{ id: string }> }).results.forEach((r, i) => sentById.set(r.id, { label: batch[i]!.label, order: sentById.size }));
    sent += batch.length;
    const shadow = ctx.experiments.running?.shadow;
    while (shadow && shadow.backlog > 0) await new Promise((r) => setTimeout(r, 2));
    await ctx.predictionLog.flush();
    ctx.monitor.flush();
    await answerReviews(app, sentById);
    if (await stopWhen(sent)) break;
  }
  return sent;
}

/**
 * Reviewers label each page of the queue in the order its messages were sent. The queue's
 * own order breaks ties in time (a batch shares a millisecond) by prediction id, which is
 * random: labelled in that order, the feedback export's rows, and so the retrained
 * candidate, came out different on every run.
 */
async function answerReviews(app: FastifyInstance, sentById: Sent): Promise<number> {
  let answered = 0;
  for (;;) {
    const res = await app.inject({ method: "GET", url: "/v1/admin/review?limit=200", headers: { authorization: `Bearer ${TOKEN}` } });
    const items = (res.json() as { items: Array<{ id: string }> }).items.map((item) => {
      const sent = sentById.get(item.id);
      if (!sent) throw new Error(`the review queue holds ${item.id}, which this scenario never sent`);
      return { id: item.id, ...sent };
    });
    if (items.length === 0) return answered;
    for (const { id, label } of items.sort((a, b) => a.order - b.order)) {
      await app.inject({ method: "POST", url: "/v1/feedback", payload: { id, label, reviewer: "scenario" } });
      answered++;
    }
  }
}

export async function runLoopScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const log = o.log ?? (() => {});
  const dataDir = join(o.workDir, "warden-data");
  mkdirSync(dataDir, { recursive: true });
  const baseDirs = o.base.map((n) => join(o.sharedData, n));
  const targetFile = resolveDatasets([join(o.sharedData, o.target)], "train")[0]!;
  const targetLang = targetFile.lang ?? "unknown";
  const config = parseConfig({
    // The language identifier knows the new language (from the UDHR) though no labelled data teaches it.
    training: { extraLanguages: ["es", "it", "nl", targetLang].filter((l, i, a) => a.indexOf(l) === i && /^[a-z]{2,3}$/.test(l)) },
    review: { randomShare: o.randomShare },
    monitoring: { windowSize: 500, minMessages: 200, windowSeconds: 3600 },
    loop: { baseData: baseDirs, minFeedbackRows: o.minLabels },
    // This process both serves and trains: shedding on its own event-loop delay would refuse the replay.
    serving: { maxEventLoopDelayMs: 600_000, maxQueueMs: 600_000 },
  });
  const store = new SqliteStore(join(dataDir, "warden.db"));
  const registry = new Registry(store, dataDir);
  let app: FastifyInstance | null = null;
  try {
    log(`training the champion on ${o.base.join(", ")}`);
    const trained = await runTraining({ data: baseDirs, config, registry, dataDir, promote: true });
    const loadEngine = async (version?: string): Promise<Engine> => new Engine(await registry.load(version), config.policy);
    const slot = new EngineSlot(await loadEngine());
    const built = await buildServer({ slot, store, registry, config, adminToken: TOKEN, logger: false, loadEngine, random: mulberry32(3) });
    app = built.app;
    const ctx = built.context;
    const sentById: Sent = new Map();
    const labelsNow = async (): Promise<number> => (await store.countFeedback()).reduce((a, c) => a + c.n, 0);

    let messagesBeforeTrigger: number | null = null;
    let labelsBeforeTrigger = 0;
    const train = shuffled(readExamples(targetFile), 1).slice(0, o.replay);
    log(`replaying up to ${train.length} ${o.target} messages; reviewers answer the queue after every ${BATCH}`);
    await replay(app, ctx, train, sentById, async (sent) => {
      const claimed = (await store.listRetrains(1))[0];
      if (!claimed || messagesBeforeTrigger !== null) return claimed !== undefined;
      messagesBeforeTrigger = sent;
      labelsBeforeTrigger = await labelsNow();
      return true;
    });
    log(`retrain triggered after ${messagesBeforeTrigger ?? "no"} messages (${labelsBeforeTrigger} labels); waiting for it`);
    await ctx.loop.idle();
    const retrain = (await store.listRetrains(10)).find((r) => r.state !== "skipped") ?? null;
    log(`retrain: ${retrain?.message ?? "none"}`);

    let experiment: Record<string, unknown> | null = null;
    let challenger: Engine | null = null;
    if (retrain?.experiment) {
      await ctx.experiments.sync();
      const test = shuffled(readExamples(resolveDatasets([join(o.sharedData, o.target)], "test")[0]!), 2).slice(0, o.shadowReplay);
      log(`replaying ${test.length} ${o.target} test messages with ${retrain.candidate} in shadow`);
      await replay(app, ctx, test, sentById, async () => false);
      experiment = await ctx.experiments.status(retrain.experiment);
      challenger = await loadEngine(retrain.candidate!);
    }
    const testFiles = resolveDatasets([...baseDirs, join(o.sharedData, o.target)], "test");
    const direct = { champion: evaluate(slot.current, testFiles), challenger: challenger ? evaluate(challenger, testFiles) : null };
    const { log: _log, workDir: _w, ...options } = o;
    return { options, champion: trained.version, messagesBeforeTrigger, labelsBeforeTrigger, retrain, experiment, direct };
  } finally {
    if (app) await app.close();
    await store.close();
  }
}

const f3 = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(3));

/** The scenario's figures for docs/quality.md. */
export function scenarioMarkdown(r: ScenarioResult, command: string): string {
  const arms = (r.experiment?.arms ?? []) as Array<{ arm: string; model: string; requests: number; flagged_rate: number; feedback: { n: number; precision: number | null; recall: number | null } }>;
  const f1 = (p: number | null, rc: number | null): number | null => (p === null || rc === null || p + rc === 0 ? null : (2 * p * rc) / (p + rc));
  const rows = r.direct.champion.datasets.map((d) => {
    const c = r.direct.challenger?.datasets.find((x) => x.name === d.name);
    const gain = c ? c.f1 - d.f1 : null;
    return `| ${d.name}${d.name === r.options.target ? " (new)" : ""} | ${d.lang} | ${d.n} | ${f3(d.f1)} | ${f3(c?.f1)} | ${gain === null ? "–" : `${gain >= 0 ? "+" : "−"}${Math.abs(100 * gain).toFixed(1)}`} | ${f3(d.rocAuc)} | ${f3(c?.rocAuc)} |`;
  });
  return [
    `Produced by \`${command}\`. The champion was trained on ${r.options.base.join(", ")} only; then ${r.options.target} traffic arrived (its train split, shuffled), ${(100 * r.options.randomShare).toFixed(0)}% of it drawn at random for review besides flagged and near-threshold messages, and reviewers answered the queue with the dataset's labels after every 50 messages.`,
    "",
    `- **Trigger:** ${r.messagesBeforeTrigger === null ? "no alert fired" : `an alert started a retrain after ${r.messagesBeforeTrigger} messages, when reviewers had given ${r.labelsBeforeTrigger} labels`} (retrain: ${r.retrain ? `\`${r.retrain.trigger}\`` : "none"}).`,
    `- **Retrain:** ${r.retrain?.message ?? "none"}`,
    `- **Experiment (${r.options.shadowReplay} messages of the ${r.options.target} test split, candidate in shadow):** decision \`${String(r.experiment?.decision ?? "–")}\`. ${String(r.experiment?.summary ?? "")}`,
    "",
    "| arm | model | requests | flagged rate | labels | precision | recall | F1 |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...arms.map((a) => `| ${a.arm} | ${a.model} | ${a.requests} | ${f3(a.flagged_rate)} | ${a.feedback.n} | ${f3(a.feedback.precision)} | ${f3(a.feedback.recall)} | ${f3(f1(a.feedback.precision, a.feedback.recall))} |`),
    "",
    `Both models measured directly on the whole test split of every dataset involved (data neither trained on):`,
    "",
    "| dataset | lang | n | champion F1 | challenger F1 | gain (points) | champion ROC AUC | challenger ROC AUC |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n");
}
