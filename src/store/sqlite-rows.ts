/** Writing predictions to a SQLite connection: shared by the store and its writer thread (sqlite-writer.ts). */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { PredictionRecord } from "./types.js";

/** A connection as the store uses it: WAL, durable across process crashes, patient with the other connection's locks. */
export function openConnection(path: string): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the tail).
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  return db;
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
