/**
 * `warden retrain`: the base training data plus reviewers' labels (exported as a
 * versioned dataset, weighted by `loop.feedbackWeight`), through the cached pipeline
 * and its gate; a candidate that passes is started as a shadow experiment against the
 * champion. Nothing here promotes: the champion keeps serving whatever happens, and
 * every run's trigger and outcome are recorded in the store (`retrains`).
 */
import { join, resolve } from "node:path";
import type { WardenConfig } from "../config.js";
import { resolveDatasets } from "../data/datasets.js";
import { recordStart } from "../experiments/manager.js";
import { DEFAULT_GUARDRAILS } from "../experiments/decision.js";
import { runTraining, type CodeVersion } from "../pipeline/run.js";
import type { Registry } from "../registry/registry.js";
import type { RetrainOutcome, RetrainRecord, Store } from "../store/types.js";
import { RETRAIN_EXPERIMENT_PREFIX, failedRetrain } from "./controller.js";
import { FEEDBACK_PREFIX, exportFeedback } from "./export.js";

export interface RetrainOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly config: WardenConfig;
  readonly dataDir: string;
  /** `manual`, `schedule`, `alert:<name>`. */
  readonly trigger: string;
  /** A run already claimed by the caller (the server's trigger claims, then runs it). */
  readonly claimed?: RetrainRecord;
  readonly code?: CodeVersion;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

/** Run one retrain, or record it as skipped when another runs. Never throws for a failed run: the record says why. */
export async function retrain(o: RetrainOptions): Promise<RetrainRecord> {
  const now = o.now ?? Date.now;
  const loop = o.config.loop;
  const claim = o.claimed ?? (await o.store.claimRetrain(o.trigger, now(), loop.timeoutMinutes * 60_000));
  if (claim.state !== "running") return claim;
  let outcome: RetrainOutcome;
  try {
    outcome = await run(o, claim);
  } catch (err) {
    outcome = failedRetrain((err as Error).message);
  }
  await o.store.finishRetrain(claim.id, outcome, now());
  o.log?.(`retrain ${claim.id} (${claim.trigger}): ${outcome.message}`);
  return { ...claim, ...outcome, finishedAt: now() };
}

async function run(o: RetrainOptions, claim: RetrainRecord): Promise<RetrainOutcome> {
  const { config, store, registry } = o;
  const loop = config.loop;
  if (loop.baseData.length === 0) return failedRetrain("loop.baseData names no training data (set it in the config).");
  const base = loop.baseData.map((p) => resolve(p));
  const exported = await exportFeedback(store, {
    out: join(o.dataDir, "feedback"),
    against: resolveDatasets(base, "train"),
    maxRows: loop.maxFeedbackRows,
    contract: { ...config.contract, maxTextLength: config.limits.maxTextLength },
    heads: config.training.heads,
  });
  o.log?.(`feedback ${exported.version}: ${exported.rows} labels (${exported.leftOut.textNotRetained} without text, ${exported.duplicates.ofTrainingData} already in the training data)`);
  if (exported.rows < loop.minFeedbackRows) return failedRetrain(`only ${exported.rows} new labels with text (at least ${loop.minFeedbackRows} are needed); the champion keeps serving.`);
  if (!exported.report.passed) return failedRetrain(`the feedback data breaks its contract: ${exported.report.findings.map((f) => f.message).join(" ")}`);

  const weights: Record<string, number> = { ...config.training.datasetWeights };
  for (const task of Object.keys(exported.byTask)) weights[`${FEEDBACK_PREFIX}${task}`] ??= loop.feedbackWeight;
  const result = await runTraining({
    data: [...base, exported.dir],
    config: { ...config, training: { ...config.training, datasetWeights: weights } },
    registry,
    dataDir: o.dataDir,
    promote: false,
    ...(o.code ? { code: o.code } : {}),
    log: (line) => o.log?.(line),
  });
  const candidate = result.version;
  if (result.gate === "failed") return failedRetrain(`the gate refused candidate ${candidate}: ${result.verdict.reasons.join("; ")}`, { candidate, gate: "failed" });
  const champion = await registry.championVersion();
  if (!loop.shadow || champion === null || champion === candidate) {
    return { state: "succeeded", candidate, gate: "passed", experiment: null, message: `candidate ${candidate} passed the gate (trained on ${exported.rows} labels, ${exported.version}); no shadow experiment${champion === candidate ? ": it is the champion already" : ""}.` };
  }
  const name = `${RETRAIN_EXPERIMENT_PREFIX}${claim.id}`;
  try {
    await recordStart(store, { name, challenger: candidate, mode: "shadow", traffic: 1 }, champion, DEFAULT_GUARDRAILS);
  } catch (err) {
    return { state: "succeeded", candidate, gate: "passed", experiment: null, message: `candidate ${candidate} passed the gate, but its shadow experiment did not start: ${(err as Error).message}` };
  }
  return { state: "succeeded", candidate, gate: "passed", experiment: name, message: `candidate ${candidate} passed the gate (trained on ${exported.rows} labels, ${exported.version}) and scores traffic in shadow against ${champion} (experiment ${name}).` };
}
