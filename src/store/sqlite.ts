/** The default store: embedded SQLite (better-sqlite3) in WAL mode, one file under the data dir. */
import type Database from "better-sqlite3";
import { Worker } from "node:worker_threads";
import { insertPredictionRows, openConnection } from "./sqlite-rows.js";
import { LATEST_LABEL, REVIEW_ORDER, REVIEW_QUEUE, STALE_RETRAIN_MESSAGE, skippedMessage, toRetrain, type RetrainRow } from "./queries.js";
import type { AlertRecord, ChampionChange, ExperimentRecord, FeedbackCount, FeedbackRecord, ModelRecord, MonitorWindowRecord, PredictionRecord, RetrainOutcome, RetrainRecord, ReviewReason, Store } from "./types.js";

/** Applied in order; PRAGMA user_version records how many. The first is idempotent, for databases made before versions were kept. */
const MIGRATIONS: readonly string[] = [`
CREATE TABLE IF NOT EXISTS predictions (
  id TEXT PRIMARY KEY, ts INTEGER NOT NULL, model TEXT NOT NULL, stage TEXT NOT NULL,
  score REAL NOT NULL, action TEXT NOT NULL, categories TEXT NOT NULL, lang TEXT NOT NULL,
  latency_ms REAL NOT NULL, text_hash TEXT NOT NULL, text TEXT
);
CREATE INDEX IF NOT EXISTS predictions_ts ON predictions(ts);
CREATE TABLE IF NOT EXISTS feedback (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, label INTEGER NOT NULL, ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_id ON feedback(id);
CREATE TABLE IF NOT EXISTS models (
  version TEXT PRIMARY KEY, sha256 TEXT NOT NULL, path TEXT NOT NULL, created_at INTEGER NOT NULL, meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS champion_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT NOT NULL, ts INTEGER NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS experiments (
  name TEXT PRIMARY KEY, spec TEXT NOT NULL, state TEXT NOT NULL, stopped_by TEXT, result TEXT, updated_at INTEGER NOT NULL
);
`,
  `ALTER TABLE predictions ADD COLUMN arm TEXT;
ALTER TABLE predictions ADD COLUMN evasion INTEGER NOT NULL DEFAULT 0;
CREATE INDEX predictions_review ON predictions(action, ts) WHERE text IS NOT NULL;
CREATE TABLE alerts (name TEXT PRIMARY KEY, state TEXT NOT NULL, since TEXT NOT NULL, value REAL NOT NULL, threshold REAL NOT NULL, message TEXT NOT NULL);
`,
  `ALTER TABLE predictions ADD COLUMN review TEXT;
UPDATE predictions SET review = 'flagged' WHERE action != 'allow';
DROP INDEX predictions_review;
CREATE INDEX predictions_review ON predictions(ts) WHERE review IS NOT NULL AND text IS NOT NULL;
ALTER TABLE feedback ADD COLUMN reviewer TEXT;
ALTER TABLE feedback ADD COLUMN category TEXT;
CREATE TABLE retrains (
  id INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT NOT NULL, state TEXT NOT NULL, started_at INTEGER NOT NULL,
  finished_at INTEGER, candidate TEXT, gate TEXT, experiment TEXT, message TEXT NOT NULL
);
CREATE UNIQUE INDEX retrains_one_running ON retrains(state) WHERE state = 'running';
`,
  `CREATE TABLE monitor_windows (seq INTEGER PRIMARY KEY AUTOINCREMENT, replica TEXT NOT NULL, end_ts INTEGER NOT NULL, state TEXT NOT NULL);
CREATE INDEX monitor_windows_end ON monitor_windows(end_ts);
`,
];

interface ExperimentRow { name: string; spec: string; state: "running" | "stopped"; stopped_by: string | null; result: string | null; updated_at: number }

function toExperiment(r: ExperimentRow): ExperimentRecord {
  return { name: r.name, spec: JSON.parse(r.spec) as Record<string, unknown>, state: r.state, stoppedBy: r.stopped_by, result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>), updatedAt: r.updated_at };
}

interface PredictionRow {
  id: string; ts: number; model: string; stage: string; score: number; action: string;
  categories: string; lang: string; latency_ms: number; text_hash: string; text: string | null;
  arm: string | null; evasion: number; review: ReviewReason | null;
}

function toPrediction(r: PredictionRow): PredictionRecord {
  return {
    id: r.id, ts: r.ts, model: r.model, stage: r.stage, score: r.score, action: r.action,
    categories: JSON.parse(r.categories) as Record<string, number>, lang: r.lang,
    latencyMs: r.latency_ms, textHash: r.text_hash, text: r.text, arm: r.arm, evasion: r.evasion === 1, review: r.review,
  };
}

function toModel(r: { version: string; sha256: string; path: string; created_at: number; meta: string }): ModelRecord {
  return { version: r.version, sha256: r.sha256, path: r.path, createdAt: r.created_at, meta: JSON.parse(r.meta) as Record<string, unknown> };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** Writes predictions on its own connection, off the serving thread (null in memory). */
  private readonly writer: Worker | null;
  /** Writes sent and not answered yet (close waits for them). */
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void; done: Promise<void> }>();
  private writes = 0;

  constructor(path: string) {
    this.db = openConnection(path);
    // IMMEDIATE takes the write lock before the version is read: processes opening a new
    // file together (warden serve --workers N) migrate one after the other, once.
    this.db.transaction(() => {
      const applied = this.db.pragma("user_version", { simple: true }) as number;
      for (let v = applied; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
    this.writer = path === ":memory:" ? null : new Worker(new URL("./sqlite-writer.js", import.meta.url), { workerData: { path } });
    this.writer?.unref();
    this.writer?.on("message", ({ id, error }: { id: number; error?: string }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) this.writer?.unref();
      if (error === undefined) p?.resolve();
      else p?.reject(new Error(`writing predictions: ${error}`));
    });
    this.writer?.on("error", (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.writer?.unref();
    });
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  /** On a file, the writer thread writes (sqlite-writer.ts); in memory, this connection (the only one that sees it). */
  async insertPredictions(rows: readonly PredictionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    if (!this.db.open) throw new Error("the store is closed");
    if (!this.writer) return insertPredictionRows(this.db, rows);
    const id = ++this.writes;
    let settle!: { resolve: () => void; reject: (err: Error) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.pending.set(id, { ...settle, done });
    // While a write is pending the thread keeps the process alive (a shutdown's last flush must land); idle, it does not.
    if (this.pending.size === 1) this.writer.ref();
    this.writer.postMessage({ id, rows });
    return done;
  }

  async getPrediction(id: string): Promise<PredictionRecord | null> {
    const row = this.db.prepare("SELECT * FROM predictions WHERE id = ?").get(id) as PredictionRow | undefined;
    return row ? toPrediction(row) : null;
  }

  async insertFeedback(row: FeedbackRecord): Promise<void> {
    this.db.prepare("INSERT INTO feedback (id, label, ts, reviewer, category) VALUES (?, ?, ?, ?, ?)").run(row.id, row.label, row.ts, row.reviewer, row.category);
  }

  async listFeedback(limit: number): Promise<Array<FeedbackRecord & { prediction: PredictionRecord | null }>> {
    const rows = this.db
      .prepare("SELECT id, label, ts, reviewer, category FROM feedback ORDER BY seq DESC LIMIT ?")
      .all(limit) as FeedbackRecord[];
    const get = this.db.prepare("SELECT * FROM predictions WHERE id = ?");
    return rows.map((f) => {
      const p = get.get(f.id) as PredictionRow | undefined;
      return { ...f, prediction: p ? toPrediction(p) : null };
    });
  }

  async listReviewQueue(limit: number): Promise<PredictionRecord[]> {
    const rows = this.db
      .prepare(`SELECT * FROM predictions p WHERE ${REVIEW_QUEUE} ORDER BY ${REVIEW_ORDER} LIMIT ?`)
      .all(limit) as PredictionRow[];
    return rows.map(toPrediction);
  }

  async countReviewQueue(): Promise<number> {
    return (this.db.prepare(`SELECT count(*) AS n FROM predictions p WHERE ${REVIEW_QUEUE}`).get() as { n: number }).n;
  }

  async countFeedback(): Promise<FeedbackCount[]> {
    const rows = this.db
      .prepare(`SELECT p.lang, p.review, p.action != 'allow' AS flagged, f.label, count(*) AS n FROM feedback f JOIN predictions p ON p.id = f.id WHERE ${LATEST_LABEL} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)
      .all() as Array<Omit<FeedbackCount, "flagged"> & { flagged: number }>;
    return rows.map((r) => ({ ...r, flagged: r.flagged === 1 }));
  }

  async claimRetrain(trigger: string, now: number, staleMs: number): Promise<RetrainRecord> {
    return this.db.transaction(() => {
      this.db.prepare("UPDATE retrains SET state = 'failed', finished_at = ?, message = ? WHERE state = 'running' AND started_at < ?").run(now, STALE_RETRAIN_MESSAGE, now - staleMs);
      const running = this.db.prepare("SELECT * FROM retrains WHERE state = 'running'").get() as RetrainRow | undefined;
      const state = running ? "skipped" : "running";
      const message = running ? skippedMessage(toRetrain(running)) : "retraining";
      const { lastInsertRowid } = this.db.prepare("INSERT INTO retrains (trigger, state, started_at, finished_at, message) VALUES (?, ?, ?, ?, ?)").run(trigger, state, now, running ? now : null, message);
      return toRetrain(this.db.prepare("SELECT * FROM retrains WHERE id = ?").get(lastInsertRowid) as RetrainRow);
    }).immediate();
  }

  async finishRetrain(id: number, o: RetrainOutcome, now: number): Promise<void> {
    this.db.prepare("UPDATE retrains SET state = ?, finished_at = ?, candidate = ?, gate = ?, experiment = ?, message = ? WHERE id = ?").run(o.state, now, o.candidate, o.gate, o.experiment, o.message, id);
  }

  async getRetrain(id: number): Promise<RetrainRecord | null> {
    const row = this.db.prepare("SELECT * FROM retrains WHERE id = ?").get(id) as RetrainRow | undefined;
    return row ? toRetrain(row) : null;
  }

  async listRetrains(limit: number): Promise<RetrainRecord[]> {
    return (this.db.prepare("SELECT * FROM retrains ORDER BY id DESC LIMIT ?").all(limit) as RetrainRow[]).map(toRetrain);
  }

  async putMonitorWindow(w: MonitorWindowRecord): Promise<void> {
    this.db.prepare("INSERT INTO monitor_windows (replica, end_ts, state) VALUES (?, ?, ?)").run(w.replica, w.end, JSON.stringify(w.state));
  }

  async listMonitorWindows(since: number, exceptReplica: string): Promise<MonitorWindowRecord[]> {
    const rows = this.db.prepare("SELECT replica, end_ts, state FROM monitor_windows WHERE end_ts >= ? AND replica != ? ORDER BY end_ts, seq").all(since, exceptReplica) as Array<{ replica: string; end_ts: number; state: string }>;
    return rows.map((r) => ({ replica: r.replica, end: r.end_ts, state: JSON.parse(r.state) as Record<string, unknown> }));
  }

  async deleteMonitorWindows(before: number): Promise<void> {
    this.db.prepare("DELETE FROM monitor_windows WHERE end_ts < ?").run(before);
  }

  async putAlert(a: AlertRecord): Promise<void> {
    this.db.prepare("INSERT OR REPLACE INTO alerts (name, state, since, value, threshold, message) VALUES (?, ?, ?, ?, ?, ?)").run(a.name, a.state, a.since, a.value, a.threshold, a.message);
  }

  async listAlerts(): Promise<AlertRecord[]> {
    return this.db.prepare("SELECT name, state, since, value, threshold, message FROM alerts ORDER BY name").all() as AlertRecord[];
  }

  async putModel(m: ModelRecord): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO models (version, sha256, path, created_at, meta) VALUES (?, ?, ?, ?, ?) ON CONFLICT(version) DO UPDATE SET path = excluded.path, meta = excluded.meta",
      )
      .run(m.version, m.sha256, m.path, m.createdAt, JSON.stringify(m.meta));
  }

  async getModel(version: string): Promise<ModelRecord | null> {
    const row = this.db.prepare("SELECT * FROM models WHERE version = ?").get(version) as Parameters<typeof toModel>[0] | undefined;
    return row ? toModel(row) : null;
  }

  async listModels(): Promise<ModelRecord[]> {
    const rows = this.db.prepare("SELECT * FROM models ORDER BY created_at, version").all() as Array<Parameters<typeof toModel>[0]>;
    return rows.map(toModel);
  }

  async pushChampion(c: ChampionChange): Promise<void> {
    this.db.prepare("INSERT INTO champion_history (version, ts, reason) VALUES (?, ?, ?)").run(c.version, c.ts, c.reason);
  }

  async championHistory(limit: number): Promise<ChampionChange[]> {
    return this.db
      .prepare("SELECT version, ts, reason FROM champion_history ORDER BY seq DESC LIMIT ?")
      .all(limit) as ChampionChange[];
  }

  async putExperiment(e: ExperimentRecord): Promise<void> {
    this.db
      .prepare("INSERT OR REPLACE INTO experiments (name, spec, state, stopped_by, result, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(e.name, JSON.stringify(e.spec), e.state, e.stoppedBy, e.result === null ? null : JSON.stringify(e.result), e.updatedAt);
  }

  async getExperiment(name: string): Promise<ExperimentRecord | null> {
    const row = this.db.prepare("SELECT * FROM experiments WHERE name = ?").get(name) as ExperimentRow | undefined;
    return row ? toExperiment(row) : null;
  }

  async setExperimentResult(name: string, result: Record<string, unknown>, updatedAt: number): Promise<void> {
    this.db.prepare("UPDATE experiments SET result = ?, updated_at = ? WHERE name = ?").run(JSON.stringify(result), updatedAt, name);
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    return (this.db.prepare("SELECT * FROM experiments ORDER BY updated_at DESC, name").all() as ExperimentRow[]).map(toExperiment);
  }

  async close(): Promise<void> {
    // Writes already sent finish first.
    await Promise.allSettled([...this.pending.values()].map((p) => p.done));
    this.writer?.ref(); // until it has stopped
    await this.writer?.terminate();
    this.db.close();
  }
}
