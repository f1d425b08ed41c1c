/** SQL fragments and row mapping that the SQLite and PostgreSQL stores share (both speak this SQL). */
import type { RetrainRecord } from "./types.js";

/** Predictions waiting for a reviewer (`p`): sent to review for some reason, text kept, not labelled yet. */
export const REVIEW_QUEUE = "p.review IS NOT NULL AND p.text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.id = p.id)";

/** The queue's order: newest first, ties (a batch's answers share a millisecond) always the same way round, so a reviewer's page holds still between fetches. */
export const REVIEW_ORDER = "p.ts DESC, p.id DESC";

/** Only the latest label of a prediction (`f`) counts: a reviewer may correct an earlier one. */
export const LATEST_LABEL = "f.seq = (SELECT max(g.seq) FROM feedback g WHERE g.id = f.id)";

export const STALE_RETRAIN_MESSAGE = "abandoned: no outcome was recorded in time (its process died or hung)";

export function skippedMessage(running: RetrainRecord): string {
  return `skipped: retrain ${running.id} (${running.trigger}) is running since ${new Date(running.startedAt).toISOString()}`;
}

/** A `retrains` row as either driver returns it (PostgreSQL gives BIGINT as a string). */
export interface RetrainRow {
  id: number | string; trigger: string; state: RetrainRecord["state"]; started_at: number | string; finished_at: number | string | null;
  candidate: string | null; gate: "passed" | "failed" | null; experiment: string | null; message: string;
}

export function toRetrain(r: RetrainRow): RetrainRecord {
  return {
    id: Number(r.id), trigger: r.trigger, state: r.state, startedAt: Number(r.started_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    candidate: r.candidate, gate: r.gate, experiment: r.experiment, message: r.message,
  };
}
