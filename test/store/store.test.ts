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
  id, ts, model: "m-0123456789ab", stage: "linear", score: 0.75, action: "review", categories: { abusive: 0.75, hate: 0.1 }, lang: "en", latencyMs: 0.42, textHash: "h".repeat(64), text, arm: null, evasion: false,
});

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
      await store.insertFeedback({ id: "p1", label: 1, ts: 3000 });
      await store.insertFeedback({ id: "ghost", label: 0, ts: 4000 });
      const fb = await store.listFeedback(10);
      assert.deepEqual(fb.map((f) => [f.id, f.label, f.ts]), [["ghost", 0, 4000], ["p1", 1, 3000]]);
      assert.equal(fb[0]!.prediction, null);
      assert.equal(fb[1]!.prediction?.score, 0.9);
      assert.equal((await store.listFeedback(1)).length, 1);
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
