/** Writing predictions to a SQLite connection: shared by the store and its writer thread (sqlite-writer.ts). */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { PredictionRecord } from "./types.js";

/** A connection as the store uses it: WAL, durable across process crashes, patient with the other connection's locks. */
export function openConnection(path: string): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("busy_timeout = 5000");
  useWal(db);
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the tail).
  db.pragma("synchronous = NORMAL");
  return db;
}

const WAL_RETRY_MS = 20;
const WAL_PATIENCE_MS = 10_000;
/** Atomics.wait on it is a synchronous sleep (the store opens synchronously). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/**
 * Switching a database to WAL needs it to itself for a moment, and SQLite answers "locked"
 * at once, without its busy wait, when another connection holds it then: two processes
 * opening a new data dir together (two `warden worker`s started at once) failed that way.
 * So retry for a while.
 */
function useWal(db: Database.Database): void {
  const deadline = Date.now() + WAL_PATIENCE_MS;
  for (;;) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw err;
      Atomics.wait(SLEEPER, 0, 0, WAL_RETRY_MS);
    }
  }
}

export function insertPredictionRows(db: Database.Database, rows: readonly PredictionRecord[]): void {
  const stmt = db.prepare(
    `INSERT OR REPLACE INTO predictions (id, ts, model, stage, score, action, categories, lang, latency_ms, text_hash, text, arm, evasion, review)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const r of rows) {
      stmt.run(r.id, r.ts, r.model, r.stage, r.score, r.action, JSON.stringify(r.categories), r.lang, r.latencyMs, r.textHash, r.text, r.arm, r.evasion ? 1 : 0, r.review);
    }
  })();
}
