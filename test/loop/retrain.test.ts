/**
 * The loop on the fixture data and a real server: reviewers' labels exported as a
 * dataset (deduplicated, versioned, text that was not kept left out), a retrain through
 * the real pipeline and gate that starts a shadow experiment, one retrain at a time
 * however many triggers come at once, and a failed retrain that leaves the champion
 * serving and says why.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { resolveDatasets } from "../../src/data/datasets.js";
import { exportFeedback } from "../../src/loop/export.js";
import type { PredictionRecord } from "../../src/store/types.js";
import { recordStart } from "../../src/experiments/manager.js";
import { DEFAULT_GUARDRAILS } from "../../src/experiments/decision.js";
import { startTestServer, trainFixtureModel, writeFixtureDataset, type TestServer } from "../helpers/fixture.js";

const TOKEN = "loop-token";
const auth = { authorization: `Bearer ${TOKEN}` };

function prediction(id: string, text: string | null, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return { id, ts: 1_700_000_000_000 + Number(id.replace(/\D/g, "") || 0), model: "m-fixture", stage: "linear", score: 0.7, action: "review", categories: { abusive: 0.7, hate: 0.1, spam: 0.05 }, lang: "tr", latencyMs: 1, textHash: "h", text, arm: null, evasion: false, review: "flagged", ...over };
}

/** New Turkish insults and friendly lines the fixture model never saw, labelled by a reviewer. */
async function gatherLabels(server: TestServer, n: number, from = 0): Promise<void> {
  const rows: PredictionRecord[] = [];
  for (let i = from; i < from + n; i++) {
    const abusive = i % 2 === 0;
    rows.push(prediction(`p${i}`, abusive ? `defol git pislik numara ${i}` : `çok teşekkür ederim dostum numara ${i}`, { review: i % 3 === 0 ? "random" : "flagged" }));
  }
  await server.store.insertPredictions(rows);
  for (let i = from; i < from + n; i++) await server.store.insertFeedback({ id: `p${i}`, label: i % 2 === 0 ? 1 : 0, ts: 1_800_000_000_000 + i, reviewer: "rev-1", category: null });
}

describe("exporting reviewers' labels as a dataset", () => {
  let server: TestServer;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), "warden-export-"));
    server = await startTestServer({ adminToken: TOKEN });
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("keeps the latest label, leaves out what has no text, drops repeats of the training data, and versions by content", async () => {
    const fixture = writeFixtureDataset(join(work, "data"));
    const trainingText = readFileSync(join(fixture, "fixture_abuse", "train.jsonl"), "utf8").split("\n")[0]!;
    await server.store.insertPredictions([
      prediction("e1", "a brand new insult, you walnut"),
      prediction("e2", null), // retention kept only the hash
      prediction("e3", JSON.parse(trainingText).text.toUpperCase() + "!!"), // the training data, shouted
      prediction("e4", "A brand NEW insult, you walnut."), // the same text as e1 once normalized
      prediction("e5", "spam spam buy now", { categories: { abusive: 0.1, spam: 0.9 } }),
    ]);
    const fb = (id: string, label: 0 | 1, ts: number, category: string | null = null) => server.store.insertFeedback({ id, label, ts, reviewer: "ana", category });
    await fb("e1", 0, 1); // corrected below
    await fb("e2", 1, 2);
    await fb("e3", 1, 3);
    await fb("e4", 1, 4);
    await fb("e5", 1, 5);
    await fb("e1", 1, 6);
    await fb("ghost", 1, 7, "hate");
    const contract = { ...parseConfig({}).contract, maxTextLength: 20_000 };
    const options = { out: join(work, "feedback"), against: resolveDatasets([fixture], "train"), maxRows: 100, contract, heads: ["abusive", "hate", "spam"] };
    const result = await exportFeedback(server.store, options);
    assert.equal(result.rows, 2);
    assert.deepEqual(result.byTask, { abusive: 1, spam: 1 });
    assert.deepEqual(result.leftOut, { textNotRetained: 1, predictionNotLogged: 1, overLimit: 0 });
    assert.deepEqual(result.duplicates, { ofTrainingData: 1, ofNewerLabels: 1 });
    assert.equal(result.report.passed, true);
    const abusive = readFileSync(join(result.dir, "feedback-abusive", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(abusive.map((r) => [r.id, r.label, r.reviewer, r.source, r.lang]), [["e1", 1, "ana", "feedback", "tr"]]);
    const catalogue = JSON.parse(readFileSync(join(result.dir, "datasets.json"), "utf8"));
    assert.equal(catalogue["feedback-spam"].task, "spam");
    const manifest = JSON.parse(readFileSync(join(result.dir, "MANIFEST.json"), "utf8"));
    assert.equal(manifest.version, result.version);
    assert.equal(manifest.left_out.text_not_retained, 1);
    // The export is data like any other: the training path reads it.
    assert.deepEqual(resolveDatasets([result.dir], "train").map((f) => [f.name, f.task]), [["feedback-abusive", "abusive"], ["feedback-spam", "spam"]]);
    // Same labels, same version; a new label, a new version.
    assert.equal((await exportFeedback(server.store, options)).version, result.version);
    await server.store.insertPredictions([prediction("e6", "another fresh one")]);
    await fb("e6", 0, 8);
    const next = await exportFeedback(server.store, options);
    assert.notEqual(next.version, result.version);
    assert.ok(existsSync(result.dir) && existsSync(next.dir));
  });
});

describe("retraining from the loop", () => {
  let server: TestServer;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), "warden-retrain-"));
    const fixture = writeFixtureDataset(join(work, "data"));
    server = await startTestServer({
      adminToken: TOKEN,
      config: { training: { features: { bits: 16 }, epochs: 3 }, loop: { baseData: [fixture], minFeedbackRows: 20 }, gate: { attackSample: 100, maxP99LatencyMs: 50 } },
    });
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("a retrain with too few labels fails, says why, and the champion keeps serving", async () => {
    await gatherLabels(server, 6);
    const res = await server.app.inject({ method: "POST", url: "/v1/admin/retrain", headers: auth });
    assert.equal(res.statusCode, 202);
    await server.context.loop.idle();
    const loop = (await server.app.inject({ method: "GET", url: "/v1/loop" })).json();
    assert.equal(loop.last_retrain.state, "failed");
    assert.match(loop.last_retrain.message, /only 6 new labels with text \(at least 20 are needed\)/);
    assert.equal(server.context.slot.current.version, server.version);
    assert.equal(await server.registry.championVersion(), server.version);
  });

  it("two alerts at once start one retrain; it trains through the gate and starts a shadow experiment, and nothing is promoted", async () => {
    await gatherLabels(server, 60, 6);
    const firing = (name: string) => ({ name, state: "firing" as const, since: new Date().toISOString(), value: 1, threshold: 0.1, message: "drifted" });
    server.context.loop.onAlerts([firing("language_js"), firing("score_psi"), firing("oov_rate_change")]);
    // And a manual request while it runs.
    const manual = await server.app.inject({ method: "POST", url: "/v1/admin/retrain", headers: auth });
    await new Promise((r) => setTimeout(r, 50));
    await server.context.loop.idle();
    const retrains = await server.store.listRetrains(10);
    const batch = retrains.filter((r) => r.startedAt >= retrains[0]!.startedAt - 5000 && r.trigger !== "manual" || r.id === manual.json().id);
    assert.equal(batch.filter((r) => r.state !== "skipped").length, 1, JSON.stringify(batch));
    assert.equal(batch.filter((r) => r.state === "skipped").length, 3);
    assert.equal(manual.statusCode, 409);
    assert.match(manual.json().message, /skipped: retrain \d+ \(alert:language_js\) is running/);
    const done = batch.find((r) => r.state !== "skipped")!;
    assert.equal(done.state, "succeeded", done.message);
    assert.equal(done.gate, "passed");
    assert.equal(done.experiment, `retrain-${done.id}`);
    const experiment = await server.store.getExperiment(done.experiment!);
    assert.equal(experiment?.state, "running");
    assert.equal((experiment?.spec as { mode: string }).mode, "shadow");
    assert.equal((experiment?.spec as { challenger: string }).challenger, done.candidate);
    // The candidate learned from the labels: it knows the Turkish insult the champion never saw.
    const candidate = await server.context.loadEngine(done.candidate!);
    const champion = server.context.slot.current;
    const probe = "defol git pislik numara 999";
    assert.ok(candidate.classify(probe).score > champion.classify(probe).score, "the candidate scores the new insult higher");
    assert.equal(champion.version, server.version);
    assert.equal(await server.registry.championVersion(), server.version);
    // The lineage names the feedback dataset it learned from.
    const lineage = (await server.registry.record(done.candidate!))!.meta.lineage as { data: { files: Array<{ name: string }> } };
    assert.ok(lineage.data.files.some((f) => f.name === "feedback-abusive"));
  });

  it("a retrain whose data breaks the contract fails with the reason, and the next trigger can run", async () => {
    const broken = join(work, "broken");
    mkdirSync(join(broken, "bad"), { recursive: true });
    writeFileSync(join(broken, "bad", "train.jsonl"), '{"text": "fine", "label": 0}\nnot json\n');
    const { retrain } = await import("../../src/loop/retrain.js");
    const config = { ...server.config, loop: { ...server.config.loop, baseData: [broken] } };
    const record = await retrain({ store: server.store, registry: server.registry, config, dataDir: server.dataDir, trigger: "manual" });
    assert.equal(record.state, "failed");
    assert.match(record.message, /bad\/train\.jsonl:2/);
    assert.equal(await server.registry.championVersion(), server.version);
    const next = await server.store.claimRetrain("manual", Date.now(), 60_000);
    assert.equal(next.state, "running");
  });
});

describe("promotion after a retrain's experiment", () => {
  for (const autoPromote of [true, false]) {
    it(autoPromote ? "with loop.autoPromote, a challenger the experiment decides to ship is promoted and the experiment stops" : "by default a person promotes: a winning challenger stays a challenger", async () => {
      const server = await startTestServer({ adminToken: TOKEN, config: { loop: { autoPromote } } });
      try {
        const other = await trainFixtureModel(join(server.dataDir, "other"), { seed: 2 });
        const challenger = (await server.registry.register(other.artifact, {})).version;
        await recordStart(server.store, { name: "retrain-7", challenger, mode: "shadow", traffic: 1 }, server.version, DEFAULT_GUARDRAILS);
        await server.context.experiments.sync();
        const experiment = server.context.experiments.running!.experiment;
        // Reviewers' labels: the champion misses 300 harmful messages the challenger catches.
        const outcome = (flagged: boolean) => ({ flagged, action: flagged ? ("review" as const) : ("allow" as const), latencyMs: 1, degraded: false });
        for (let i = 0; i < 300; i++) {
          experiment.record("champion", `x${i}`, outcome(false));
          experiment.recordShadow(`x${i}`, outcome(true));
          experiment.recordFeedback(`x${i}`, 1);
        }
        assert.equal(experiment.status().decision, "ship challenger");
        const promoted = await server.context.loop.promoteWinner();
        if (autoPromote) {
          assert.equal(promoted, challenger);
          assert.equal(await server.registry.championVersion(), challenger);
          assert.match((await server.store.championHistory(1))[0]!.reason, /auto-promoted: experiment retrain-7 decided "ship challenger"/);
          assert.equal((await server.store.getExperiment("retrain-7"))?.state, "stopped");
        } else {
          assert.equal(promoted, null);
          assert.equal(await server.registry.championVersion(), server.version);
        }
      } finally {
        await server.close();
      }
    });
  }
});

describe("a retrain in a child process (how warden serve runs one)", () => {
  it("runs the claimed retrain with the server's config and store, and records its outcome", async () => {
    const work = mkdtempSync(join(tmpdir(), "warden-child-"));
    const fixture = writeFixtureDataset(join(work, "data"));
    const server = await startTestServer({ config: { training: { features: { bits: 16 }, epochs: 3 }, loop: { baseData: [fixture], minFeedbackRows: 20 }, gate: { attackSample: 100, maxP99LatencyMs: 50 } } });
    try {
      await gatherLabels(server, 40);
      const { retrainInChild } = await import("../../src/loop/child.js");
      const claim = await server.store.claimRetrain("manual", Date.now(), 60_000);
      await retrainInChild({ store: server.store, dataDir: server.dataDir, config: server.config })(claim);
      const done = (await server.store.listRetrains(5)).find((r) => r.id === claim.id)!;
      assert.equal(done.state, "succeeded", done.message);
      assert.equal(done.gate, "passed");
      assert.ok(done.candidate && (await server.registry.record(done.candidate)), "the candidate is registered in the shared store");
      assert.ok(existsSync(join(server.dataDir, "loop", `retrain-${claim.id}.config.json`)));
      // A retrain that cannot even start its process is recorded as failed, with why.
      const second = await server.store.claimRetrain("manual", Date.now(), 60_000);
      await retrainInChild({ store: server.store, dataDir: join(fixture, "datasets.json", "not-a-folder"), config: server.config })(second);
      const failed = (await server.store.listRetrains(5)).find((r) => r.id === second.id)!;
      assert.equal(failed.state, "failed");
      assert.match(failed.message, /could not start the retrain process: ENOTDIR/);
    } finally {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
