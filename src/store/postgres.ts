/**
 * The store on PostgreSQL (`--store postgres://…`), so that many replicas share one
 * registry, champion pointer, prediction log, feedback and experiments. Same interface
 * and semantics as the SQLite store. The schema is versioned: `open` applies the
 * migrations not yet applied, under an advisory lock, so replicas starting together
 * migrate once. A `schema` query parameter puts Warden's tables in their own schema.
 */
import pg from "pg";
import { WardenError } from "../errors.js";
import { LATEST_LABEL, REVIEW_ORDER, REVIEW_QUEUE, STALE_RETRAIN_MESSAGE, skippedMessage, toRetrain, type RetrainRow } from "./queries.js";
import type { AlertRecord, ChampionChange, ExperimentRecord, FeedbackCount, FeedbackRecord, ModelRecord, MonitorWindowRecord, PredictionRecord, RetrainOutcome, RetrainRecord, ReviewReason, Store } from "./types.js";

/** Append-only: a released migration is never edited, a change is a new one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE predictions (
     id TEXT PRIMARY KEY, ts BIGINT NOT NULL, model TEXT NOT NULL, stage TEXT NOT NULL, score DOUBLE PRECISION NOT NULL,
     action TEXT NOT NULL, categories JSONB NOT NULL, lang TEXT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL,
     text_hash TEXT NOT NULL, text TEXT);
   CREATE INDEX predictions_ts ON predictions(ts);
   CREATE TABLE feedback (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, label SMALLINT NOT NULL, ts BIGINT NOT NULL);
   CREATE INDEX feedback_id ON feedback(id);
   CREATE TABLE models (version TEXT PRIMARY KEY, sha256 TEXT NOT NULL, path TEXT NOT NULL, created_at BIGINT NOT NULL, meta JSONB NOT NULL);
   CREATE TABLE champion_history (seq BIGSERIAL PRIMARY KEY, version TEXT NOT NULL, ts BIGINT NOT NULL, reason TEXT NOT NULL);`,
  `CREATE TABLE experiments (name TEXT PRIMARY KEY, spec JSONB NOT NULL, state TEXT NOT NULL, stopped_by TEXT, result JSONB, updated_at BIGINT NOT NULL);`,
  `ALTER TABLE predictions ADD COLUMN arm TEXT, ADD COLUMN evasion BOOLEAN NOT NULL DEFAULT false;
   CREATE INDEX predictions_review ON predictions(action, ts) WHERE text IS NOT NULL;
   CREATE TABLE alerts (name TEXT PRIMARY KEY, state TEXT NOT NULL, since TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, threshold DOUBLE PRECISION NOT NULL, message TEXT NOT NULL);`,
  `ALTER TABLE predictions ADD COLUMN review TEXT;
   UPDATE predictions SET review = 'flagged' WHERE action <> 'allow';
   DROP INDEX predictions_review;
   CREATE INDEX predictions_review ON predictions(ts) WHERE review IS NOT NULL AND text IS NOT NULL;
   ALTER TABLE feedback ADD COLUMN reviewer TEXT, ADD COLUMN category TEXT;
   CREATE TABLE retrains (id BIGSERIAL PRIMARY KEY, trigger TEXT NOT NULL, state TEXT NOT NULL, started_at BIGINT NOT NULL,
     finished_at BIGINT, candidate TEXT, gate TEXT, experiment TEXT, message TEXT NOT NULL);
   CREATE UNIQUE INDEX retrains_one_running ON retrains(state) WHERE state = 'running';`,
  `CREATE TABLE monitor_windows (seq BIGSERIAL PRIMARY KEY, replica TEXT NOT NULL, end_ts BIGINT NOT NULL, state JSONB NOT NULL);
   CREATE INDEX monitor_windows_end ON monitor_windows(end_ts);`,
];

/** The schema version this code expects (the number of migrations). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any number: the advisory lock that serializes migrations across replicas. */
const MIGRATION_LOCK = 0x57a2d;
/** And the one that makes claiming a retrain atomic. */
const RETRAIN_LOCK = 0x57a2e;

interface PredictionRow {
  id: string; ts: string; model: string; stage: string; score: number; action: string;
  categories: Record<string, number>; lang: string; latency_ms: number; text_hash: string; text: string | null;
  arm: string | null; evasion: boolean; review: ReviewReason | null;
}

function toPrediction(r: PredictionRow): PredictionRecord {
  return {
    id: r.id, ts: Number(r.ts), model: r.model, stage: r.stage, score: r.score, action: r.action, categories: r.categories,
    lang: r.lang, latencyMs: r.latency_ms, textHash: r.text_hash, text: r.text, arm: r.arm, evasion: r.evasion, review: r.review,
  };
}

function toModel(r: { version: string; sha256: string; path: string; created_at: string; meta: Record<string, unknown> }): ModelRecord {
  return { version: r.version, sha256: r.sha256, path: r.path, createdAt: Number(r.created_at), meta: r.meta };
}

function toExperiment(r: { name: string; spec: Record<string, unknown>; state: "running" | "stopped"; stopped_by: string | null; result: Record<string, unknown> | null; updated_at: string }): ExperimentRecord {
  return { name: r.name, spec: r.spec, state: r.state, stoppedBy: r.stopped_by, result: r.result, updatedAt: Number(r.updated_at) };
}

export class PostgresStore implements Store {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connect, check the server answers, and bring the schema up to date. */
  static async open(url: string): Promise<PostgresStore> {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema");
    parsed.searchParams.delete("schema");
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new WardenError("CONFIG_INVALID", `--store: schema "${schema}" must be a lower-case SQL identifier.`);
    const pool = new pg.Pool({ connectionString: parsed.toString(), max: 10 });
    if (schema) pool.on("connect", (client) => void client.query(`SET search_path TO ${schema}`));
    const store = new PostgresStore(pool);
    try {
      await store.migrate(schema);
    } catch (err) {
      await pool.end();
      throw new WardenError("CONFIG_INVALID", `--store ${parsed.host}: PostgreSQL could not be opened: ${(err as Error).message}`);
    }
    return store;
  }

  /** The schema version this database is at (the number of migrations applied). */
  async schemaVersion(): Promise<number> {
    const r = await this.pool.query<{ v: number | null }>("SELECT max(version) AS v FROM warden_schema_migrations");
    return r.rows[0]?.v ?? 0;
  }

  private async migrate(schema: string | null): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query("CREATE TABLE IF NOT EXISTS warden_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
      const done = (await client.query<{ v: number | null }>("SELECT max(version) AS v FROM warden_schema_migrations")).rows[0]?.v ?? 0;
      for (let v = done + 1; v <= MIGRATIONS.length; v++) {
        await client.query(MIGRATIONS[v - 1]!);
        await client.query("INSERT INTO warden_schema_migrations (version, applied_at) VALUES ($1, $2)", [v, Date.now()]);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async insertPredictions(rows: readonly PredictionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement per batch: arrays unnested into rows.
    const col = <T>(f: (r: PredictionRecord) => T): T[] => rows.map(f);
    await this.pool.query(
      `INSERT INTO predictions (id, ts, model, stage, score, action, categories, lang, latency_ms, text_hash, text, arm, evasion, review)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::jsonb[], $8::text[], $9::float8[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::text[])
       ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, model = excluded.model, stage = excluded.stage, score = excluded.score, action = excluded.action,
         categories = excluded.categories, lang = excluded.lang, latency_ms = excluded.latency_ms, text_hash = excluded.text_hash, text = excluded.text,
         arm = excluded.arm, evasion = excluded.evasion, review = excluded.review`,
      [col((r) => r.id), col((r) => r.ts), col((r) => r.model), col((r) => r.stage), col((r) => r.score), col((r) => r.action), col((r) => JSON.stringify(r.categories)), col((r) => r.lang), col((r) => r.latencyMs), col((r) => r.textHash), col((r) => r.text), col((r) => r.arm), col((r) => r.evasion), col((r) => r.review)],
    );
  }

  async getPrediction(id: string): Promise<PredictionRecord | null> {
    const r = await this.pool.query<PredictionRow>("SELECT * FROM predictions WHERE id = $1", [id]);
    return r.rows[0] ? toPrediction(r.rows[0]) : null;
  }

  async insertFeedback(row: FeedbackRecord): Promise<void> {
    await this.pool.query("INSERT INTO feedback (id, label, ts, reviewer, category) VALUES ($1, $2, $3, $4, $5)", [row.id, row.label, row.ts, row.reviewer, row.category]);
  }

  async listFeedback(limit: number): Promise<Array<FeedbackRecord & { prediction: PredictionRecord | null }>> {
    const r = await this.pool.query<{ fid: string; label: number; fts: string; reviewer: string | null; category: string | null } & Partial<PredictionRow>>(
      `SELECT f.id AS fid, f.label, f.ts AS fts, f.reviewer, f.category, p.* FROM feedback f LEFT JOIN predictions p ON p.id = f.id ORDER BY f.seq DESC LIMIT $1`,
      [limit],
    );
    return r.rows.map((row) => ({ id: row.fid, label: row.label as 0 | 1, ts: Number(row.fts), reviewer: row.reviewer, category: row.category, prediction: row.id ? toPrediction(row as PredictionRow) : null }));
  }

  async listReviewQueue(limit: number): Promise<PredictionRecord[]> {
    const r = await this.pool.query<PredictionRow>(
      `SELECT * FROM predictions p WHERE ${REVIEW_QUEUE} ORDER BY ${REVIEW_ORDER} LIMIT $1`,
      [limit],
    );
    return r.rows.map(toPrediction);
  }

  async countReviewQueue(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM predictions p WHERE ${REVIEW_QUEUE}`)).rows[0]!.n);
  }

  async countFeedback(): Promise<FeedbackCount[]> {
    const r = await this.pool.query<Omit<FeedbackCount, "n" | "label"> & { n: string; label: number }>(
      `SELECT p.lang, p.review, p.action <> 'allow' AS flagged, f.label, count(*) AS n FROM feedback f JOIN predictions p ON p.id = f.id WHERE ${LATEST_LABEL} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    );
    return r.rows.map((row) => ({ ...row, label: row.label as 0 | 1, n: Number(row.n) }));
  }

  async claimRetrain(trigger: string, now: number, staleMs: number): Promise<RetrainRecord> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [RETRAIN_LOCK]);
      await client.query("UPDATE retrains SET state = 'failed', finished_at = $1, message = $2 WHERE state = 'running' AND started_at < $3", [now, STALE_RETRAIN_MESSAGE, now - staleMs]);
      const running = (await client.query<RetrainRow>("SELECT * FROM retrains WHERE state = 'running'")).rows[0];
      const message = running ? skippedMessage(toRetrain(running)) : "retraining";
      const inserted = await client.query<RetrainRow>(
        "INSERT INTO retrains (trigger, state, started_at, finished_at, message) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        [trigger, running ? "skipped" : "running", now, running ? now : null, message],
      );
      await client.query("COMMIT");
      return toRetrain(inserted.rows[0]!);
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async finishRetrain(id: number, o: RetrainOutcome, now: number): Promise<void> {
    await this.pool.query("UPDATE retrains SET state = $1, finished_at = $2, candidate = $3, gate = $4, experiment = $5, message = $6 WHERE id = $7", [o.state, now, o.candidate, o.gate, o.experiment, o.message, id]);
  }

  async getRetrain(id: number): Promise<RetrainRecord | null> {
    const row = (await this.pool.query<RetrainRow>("SELECT * FROM retrains WHERE id = $1", [id])).rows[0];
    return row ? toRetrain(row) : null;
  }

  async listRetrains(limit: number): Promise<RetrainRecord[]> {
    return (await this.pool.query<RetrainRow>("SELECT * FROM retrains ORDER BY id DESC LIMIT $1", [limit])).rows.map(toRetrain);
  }

  async putMonitorWindow(w: MonitorWindowRecord): Promise<void> {
    await this.pool.query("INSERT INTO monitor_windows (replica, end_ts, state) VALUES ($1, $2, $3)", [w.replica, w.end, JSON.stringify(w.state)]);
  }

  async listMonitorWindows(since: number, exceptReplica: string): Promise<MonitorWindowRecord[]> {
    const r = await this.pool.query<{ replica: string; end_ts: string; state: Record<string, unknown> }>(
      "SELECT replica, end_ts, state FROM monitor_windows WHERE end_ts >= $1 AND replica <> $2 ORDER BY end_ts, seq",
      [since, exceptReplica],
    );
    return r.rows.map((row) => ({ replica: row.replica, end: Number(row.end_ts), state: row.state }));
  }

  async deleteMonitorWindows(before: number): Promise<void> {
    await this.pool.query("DELETE FROM monitor_windows WHERE end_ts < $1", [before]);
  }

  async putAlert(a: AlertRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO alerts (name, state, since, value, threshold, message) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, since = excluded.since, value = excluded.value, threshold = excluded.threshold, message = excluded.message`,
      [a.name, a.state, a.since, a.value, a.threshold, a.message],
    );
  }

  async listAlerts(): Promise<AlertRecord[]> {
    return (await this.pool.query<AlertRecord>("SELECT name, state, since, value, threshold, message FROM alerts ORDER BY name")).rows;
  }

  async putModel(m: ModelRecord): Promise<void> {
    await this.pool.query(
      "INSERT INTO models (version, sha256, path, created_at, meta) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO UPDATE SET path = excluded.path, meta = excluded.meta",
      [m.version, m.sha256, m.path, m.createdAt, JSON.stringify(m.meta)],
    );
  }

  async getModel(version: string): Promise<ModelRecord | null> {
    const r = await this.pool.query("SELECT * FROM models WHERE version = $1", [version]);
    return r.rows[0] ? toModel(r.rows[0]) : null;
  }

  async listModels(): Promise<ModelRecord[]> {
    return (await this.pool.query("SELECT * FROM models ORDER BY created_at, version")).rows.map(toModel);
  }

  async pushChampion(c: ChampionChange): Promise<void> {
    await this.pool.query("INSERT INTO champion_history (version, ts, reason) VALUES ($1, $2, $3)", [c.version, c.ts, c.reason]);
  }

  async championHistory(limit: number): Promise<ChampionChange[]> {
    const r = await this.pool.query<{ version: string; ts: string; reason: string }>("SELECT version, ts, reason FROM champion_history ORDER BY seq DESC LIMIT $1", [limit]);
    return r.rows.map((c) => ({ version: c.version, ts: Number(c.ts), reason: c.reason }));
  }

  async putExperiment(e: ExperimentRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO experiments (name, spec, state, stopped_by, result, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, state = excluded.state, stopped_by = excluded.stopped_by, result = excluded.result, updated_at = excluded.updated_at`,
      [e.name, JSON.stringify(e.spec), e.state, e.stoppedBy, e.result === null ? null : JSON.stringify(e.result), e.updatedAt],
    );
  }

  async getExperiment(name: string): Promise<ExperimentRecord | null> {
    const r = await this.pool.query("SELECT * FROM experiments WHERE name = $1", [name]);
    return r.rows[0] ? toExperiment(r.rows[0]) : null;
  }

  async setExperimentResult(name: string, result: Record<string, unknown>, updatedAt: number): Promise<void> {
    await this.pool.query("UPDATE experiments SET result = $1, updated_at = $2 WHERE name = $3", [JSON.stringify(result), updatedAt, name]);
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    return (await this.pool.query("SELECT * FROM experiments ORDER BY updated_at DESC, name")).rows.map(toExperiment);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
