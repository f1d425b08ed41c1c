/** The prediction log applies the retention setting when it writes, so a late review reason keeps its text, before or after the record was written. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PredictionLog, type Retention } from "../../src/log/prediction-log.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { PredictionRecord } from "../../src/store/types.js";

const record = (id: string, review: PredictionRecord["review"] = null): PredictionRecord => ({
  id, ts: 1, model: "m", stage: "linear", score: 0.2, action: "allow", categories: { abusive: 0.2 }, lang: "en", latencyMs: 1, textHash: "h", text: `text of ${id}`, arm: null, evasion: false, review,
});

async function written(retention: Retention, fill: (log: PredictionLog) => void): Promise<Map<string, PredictionRecord>> {
  const store = new SqliteStore(":memory:");
  const log = new PredictionLog(store, { capacity: 100, batchSize: 10, flushIntervalMs: 60_000, retention });
  fill(log);
  await log.close();
  const out = new Map<string, PredictionRecord>();
  for (const id of ["a", "b", "c"]) {
    const p = await store.getPrediction(id);
    if (p) out.set(id, p);
  }
  await store.close();
  return out;
}

describe("the prediction log's retention", () => {
  it("keeps text only for messages sent to review, including one marked after it was answered", async () => {
    const rows = await written("review", (log) => {
      log.push(record("a"));
      log.push(record("b", "random"));
      log.push(record("c"));
      assert.equal(log.markForReview("c", "disagreement"), true);
      assert.equal(log.markForReview("b", "disagreement"), true); // already queued: its reason stays
      assert.equal(log.markForReview("zzz", "disagreement"), false);
    });
    assert.equal(rows.get("a")!.text, null);
    assert.equal(rows.get("b")!.text, "text of b");
    assert.equal(rows.get("b")!.review, "random");
    assert.equal(rows.get("c")!.text, "text of c");
    assert.equal(rows.get("c")!.review, "disagreement");
  });

  it("keeps no text under hash and every text under all", async () => {
    const hash = await written("hash", (log) => {
      log.push(record("a", "flagged"));
      log.markForReview("a", "disagreement");
    });
    assert.equal(hash.get("a")!.text, null);
    const all = await written("all", (log) => log.push(record("a")));
    assert.equal(all.get("a")!.text, "text of a");
  });

  it("marks a record it has already written by writing it again, with its text, also while the write is under way", async () => {
    const store = new SqliteStore(":memory:");
    const log = new PredictionLog(store, { capacity: 100, batchSize: 10, flushIntervalMs: 60_000, retention: "review" });
    log.push(record("a"));
    log.push(record("b"));
    await log.flush();
    assert.equal((await store.getPrediction("a"))!.text, null);
    assert.equal(log.markForReview("a", "disagreement"), true);
    log.push(record("c"));
    const writing = log.flush();
    assert.equal(log.markForReview("c", "disagreement"), true); // its batch has left the buffer, not yet reached the store
    await writing;
    await log.flush();
    for (const id of ["a", "c"]) {
      const p = (await store.getPrediction(id))!;
      assert.equal(p.text, `text of ${id}`);
      assert.equal(p.review, "disagreement");
    }
    assert.deepEqual((await store.listReviewQueue(10)).map((q) => q.id).sort(), ["a", "c"]);
    assert.equal((await store.getPrediction("b"))!.review, null);
    assert.equal(log.markForReview("zzz", "disagreement"), false);
    await log.close();
    await store.close();
  });

  it("keeps the reason a written record already had, and reaches back only so far", async () => {
    const store = new SqliteStore(":memory:");
    const log = new PredictionLog(store, { capacity: 20_000, batchSize: 1000, flushIntervalMs: 60_000, retention: "review" });
    log.push(record("a", "random"));
    await log.flush();
    assert.equal(log.markForReview("a", "disagreement"), true);
    await log.flush();
    assert.equal((await store.getPrediction("a"))!.review, "random");
    for (let i = 0; i < 10_000; i++) log.push(record(`n${i}`));
    await log.flush();
    assert.equal(log.markForReview("a", "disagreement"), false); // 10,000 records written since
    assert.equal(log.markForReview("n5000", "disagreement"), true); // within the last 5,000 written
    await log.close();
    assert.equal((await store.getPrediction("n5000"))!.review, "disagreement");
    await store.close();
  });
});
