/**
 * One suite, run against every store: SQLite (the default) and the machine's real
 * PostgreSQL (in a schema of its own, dropped afterwards). Both must behave the same.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PostgresStore, SCHEMA_VERSION } from "../../src/store/postgres.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { PredictionRecord, Store } from "../../src/store/types.js";
import { POSTGRES_URL, postgresSkip } from "../helpers/services.js";

const prediction = (id: string, ts: number, text: string | null = null): PredictionRecord => ({
  id, ts, model: "m-0123456789ab", stage: "linear", score: 0.75, action: "review", categories: { abusive: 0.75, hate: 0.1 }, lang: "en", latencyMs: 0.42, textHash: "h".repeat(64), text, arm: null, evasion: false, review: text === null ? null : "flagged",
});
const label = (id: string, l: 0 | 1, ts: number, reviewer: string | null = null) => ({ id, label: l, ts, reviewer, category: null });

function storeSuite(name: string, open: () => Promise<Store>, cleanup: () => Promise<void>, skip: string | false = false): void {
  describe(`${name} store`, { skip }, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    it("answers ping", async () => {
      await store.ping();
    });

    it("keeps predictions, replacing by id, with their categories and text", async () => {
      await store.insertPredictions([prediction("p1", 1000), prediction("p2", 2000, "kept text")]);
      await store.insertPredictions([{ ...prediction("p1", 1500), score: 0.9 }]);
      const p1 = await store.getPrediction("p1");
      assert.deepEqual(p1, { ...prediction("p1", 1500), score: 0.9 });
      assert.equal((await store.getPrediction("p2"))?.text, "kept text");
      assert.equal(await store.getPrediction("nope"), null);
      await store.insertPredictions([]);
    });

    it("joins feedback to its prediction, newest first, and keeps feedback on unknown ids", async () => {
      await store.insertFeedback(label("p1", 1, 3000, "ana"));
      await store.insertFeedback({ ...label("ghost", 0, 4000), category: "spam" });
      const fb = await store.listFeedback(10);
      assert.deepEqual(fb.map((f) => [f.id, f.label, f.ts, f.reviewer, f.category]), [["ghost", 0, 4000, null, "spam"], ["p1", 1, 3000, "ana", null]]);
      assert.equal(fb[0]!.prediction, null);
      assert.equal(fb[1]!.prediction?.score, 0.9);
      assert.equal((await store.listFeedback(1)).length, 1);
    });

    it("queues predictions sent to review with their text until labelled, and counts labels by language, reason and outcome", async () => {
      await store.insertPredictions([
        { ...prediction("q-random", 5000, "drawn at random"), action: "allow", review: "random" },
        { ...prediction("q-flagged", 5001, "flagged one"), lang: "tr" },
        { ...prediction("q-uncertain", 5002, "near the line"), action: "allow", review: "uncertain" },
        { ...prediction("q-none", 5003, "kept but not sampled"), action: "allow", review: null },
        { ...prediction("q-hash", 5004, null), review: "random" },
        // one millisecond, three answers (a batch): the same order every time
        { ...prediction("q-tie-b", 4000, "tie b"), review: "random" },
        { ...prediction("q-tie-c", 4000, "tie c"), review: "random" },
        { ...prediction("q-tie-a", 4000, "tie a"), review: "random" },
      ]);
      const before = await store.countReviewQueue();
      const queued = (await store.listReviewQueue(50)).map((p) => p.id).filter((id) => id.startsWith("q-"));
      assert.deepEqual(queued, ["q-uncertain", "q-flagged", "q-random", "q-tie-c", "q-tie-b", "q-tie-a"]);
      assert.equal((await store.getPrediction("q-random"))?.review, "random");
      await store.insertFeedback(label("q-random", 1, 6000));
      await store.insertFeedback(label("q-flagged", 1, 6001));
      await store.insertFeedback(label("q-flagged", 0, 6002)); // corrected: only the latest counts
      assert.equal(await store.countReviewQueue(), before - 2);
      const counts = (await store.countFeedback()).filter((c) => c.review !== null);
      assert.deepEqual(counts, [
        { lang: "en", review: "random", flagged: false, label: 1, n: 1 },
        { lang: "tr", review: "flagged", flagged: true, label: 0, n: 1 },
      ]);
    });

    it("runs one retrain at a time: a second trigger is recorded as skipped, a dead one is taken over", async () => {
      const first = await store.claimRetrain("alert:language_js", 10_000, 60_000);
      assert.equal(first.state, "running");
      const second = await store.claimRetrain("schedule", 10_001, 60_000);
      assert.equal(second.state, "skipped");
      assert.match(second.message, new RegExp(`retrain ${first.id} \\(alert:language_js\\) is running`));
      await store.finishRetrain(first.id, { state: "succeeded", candidate: "m-new", gate: "passed", experiment: "retrain-1", message: "shadow started" }, 20_000);
      const third = await store.claimRetrain("manual", 30_000, 60_000);
      assert.equal(third.state, "running");
      // Its process died: past the timeout, the next trigger closes it and runs.
      const fourth = await store.claimRetrain("manual", 30_000 + 60_001, 60_000);
      assert.equal(fourth.state, "running");
      const all = await store.listRetrains(10);
      assert.deepEqual(all.map((r) => [r.id, r.state]), [[fourth.id, "running"], [third.id, "failed"], [second.id, "skipped"], [first.id, "succeeded"]]);
      assert.match(all[1]!.message, /abandoned/);
      assert.deepEqual(await store.getRetrain(first.id), all[3]);
      assert.equal(await store.getRetrain(987_654), null);
      assert.deepEqual({ ...all[3]!, id: 0 }, { id: 0, trigger: "alert:language_js", state: "succeeded", startedAt: 10_000, finishedAt: 20_000, candidate: "m-new", gate: "passed", experiment: "retrain-1", message: "shadow started" });
      // Concurrent claims: exactly one runs.
      await store.finishRetrain(fourth.id, { state: "failed", candidate: null, gate: null, experiment: null, message: "x" }, 100_000);
      const racing = await Promise.all([1, 2, 3, 4].map((k) => store.claimRetrain(`race-${k}`, 200_000, 60_000)));
      assert.equal(racing.filter((r) => r.state === "running").length, 1);
    });

    it("keeps models: insert, replace meta but keep the created time, list in order", async () => {
      await store.putModel({ version: "m-a", sha256: "a".repeat(64), path: "/x/a.wdn", createdAt: 10, meta: { n: 1, nested: { ok: true } } });
      await store.putModel({ version: "m-b", sha256: "b".repeat(64), path: "/x/b.wdn", createdAt: 20, meta: {} });
      await store.putModel({ version: "m-a", sha256: "a".repeat(64), path: "/y/a.wdn", createdAt: 99, meta: { n: 2 } });
      assert.deepEqual(await store.getModel("m-a"), { version: "m-a", sha256: "a".repeat(64), path: "/y/a.wdn", createdAt: 10, meta: { n: 2 } });
      assert.deepEqual((await store.listModels()).map((m) => m.version), ["m-a", "m-b"]);
      assert.equal(await store.getModel("m-zzz"), null);
    });

    it("keeps the champion history newest first", async () => {
      await store.pushChampion({ version: "m-a", ts: 1, reason: "first" });
      await store.pushChampion({ version: "m-b", ts: 2, reason: "second" });
      assert.deepEqual(await store.championHistory(5), [{ version: "m-b", ts: 2, reason: "second" }, { version: "m-a", ts: 1, reason: "first" }]);
      assert.equal((await store.championHistory(1)).length, 1);
    });

    it("keeps experiments, and a result update never undoes a stop", async () => {
      await store.putExperiment({ name: "e1", spec: { mode: "ab", traffic: 0.5 }, state: "running", stoppedBy: null, result: null, updatedAt: 5 });
      await store.putExperiment({ name: "e1", spec: { mode: "ab", traffic: 0.5 }, state: "stopped", stoppedBy: "by hand", result: null, updatedAt: 6 });
      await store.setExperimentResult("e1", { decision: "continue" }, 7);
      const e = await store.getExperiment("e1");
      assert.deepEqual(e, { name: "e1", spec: { mode: "ab", traffic: 0.5 }, state: "stopped", stoppedBy: "by hand", result: { decision: "continue" }, updatedAt: 7 });
      await store.putExperiment({ name: "e2", spec: {}, state: "running", stoppedBy: null, result: null, updatedAt: 8 });
      assert.deepEqual((await store.listExperiments()).map((x) => x.name), ["e2", "e1"]);
      assert.equal(await store.getExperiment("none"), null);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "warden-store-"));
storeSuite("SQLite", async () => new SqliteStore(join(dir, "warden.db")), async () => rmSync(dir, { recursive: true, force: true }));

const pgSkip = await postgresSkip();
const schema = `warden_test_${process.pid}_${Date.now()}`;
storeSuite(
  "PostgreSQL",
  () => PostgresStore.open(`${POSTGRES_URL}?schema=${schema}`),
  async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  },
  pgSkip,
);

describe("PostgreSQL schema migrations", { skip: pgSkip }, () => {
  it("are applied once, also when replicas open the store at the same moment", async () => {
    const s = `warden_migrate_${process.pid}_${Date.now()}`;
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(`${POSTGRES_URL}?schema=${s}`)));
    try {
      for (const st of stores) assert.equal(await st.schemaVersion(), SCHEMA_VERSION);
    } finally {
      await Promise.all(stores.map((st) => st.close()));
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await c.end();
    }
  });

  it("refuse a bad schema name and an unreachable server with a clear error", async () => {
    await assert.rejects(PostgresStore.open(`${POSTGRES_URL}?schema=Bad-Name`), /schema "Bad-Name" must be a lower-case SQL identifier/);
    await assert.rejects(PostgresStore.open("postgres://postgres@127.0.0.1:1/postgres"), /PostgreSQL could not be opened/);
  });
});
