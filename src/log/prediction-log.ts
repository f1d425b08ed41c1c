/**
 * The prediction log's background batch writer. The request path only pushes into a
 * bounded buffer and never waits for storage; a timer flushes batches. When the buffer
 * is full, new records are dropped and counted rather than blocking serving.
 *
 * Records arrive with their text; the retention setting is applied when they are
 * written, so that a message sent to review after it was answered (a shadow challenger
 * disagreeing, say) still has its text for the reviewer: while its record waits in the
 * buffer it is marked there; once written, the record as it arrived is written again
 * with its reason (the store replaces a prediction by id).
 */
import type { WardenConfig } from "../config.js";
import type { PredictionRecord, ReviewReason, Store } from "../store/types.js";

export type Retention = WardenConfig["monitoring"]["retention"];

/** Whether the log keeps a record's text: never, only for messages sent to review, or always. */
export function keepsText(retention: Retention, review: ReviewReason | null): boolean {
  return retention === "all" || (retention === "review" && review !== null);
}

/**
 * How many written records `markForReview` can still reach (the last half of them at
 * least). A shadow challenger's verdict comes after its copy waited for idle CPU: within
 * milliseconds on an idle server, after thousands of other answers on a busy one (the
 * loop scenario, idle, lost 92 of 1,446 disagreements when only unwritten records could
 * be marked).
 */
const MARKABLE_WRITTEN = 10_000;
/** How far back from the newest buffered record it looks: deeper only while the store falls behind. */
const BUFFER_LOOKBACK = 2000;

export interface PredictionLogOptions {
  readonly capacity: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly retention: Retention;
  readonly onDrop?: (count: number) => void;
  readonly onError?: (err: unknown) => void;
}

export const DEFAULT_LOG_OPTIONS: PredictionLogOptions = { capacity: 50_000, batchSize: 1000, flushIntervalMs: 250, retention: "review" };

export class PredictionLog {
  private buffer: PredictionRecord[] = [];
  /**
   * Records handed to the store, as they arrived (text included): the newest in `sent`,
   * up to MARKABLE_WRITTEN / 2 of them, the half before in `sentBefore` (two generations:
   * dropping a whole Map costs nothing, evicting a Map's oldest entry one at a time cost
   * 10x the rest of a record's logging).
   */
  private sent = new Map<string, PredictionRecord>();
  private sentBefore = new Map<string, PredictionRecord>();
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  dropped = 0;

  constructor(
    private readonly store: Store,
    private readonly options: PredictionLogOptions = DEFAULT_LOG_OPTIONS,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  push(record: PredictionRecord): void {
    if (this.buffer.length >= this.options.capacity) {
      this.dropped++;
      this.options.onDrop?.(1);
      return;
    }
    this.buffer.push(record);
  }

  /**
   * Send an answered message to review (unless it already is): marked in the buffer, or
   * written again if it has left it. False when the log no longer reaches it (written
   * MARKABLE_WRITTEN / 2 to MARKABLE_WRITTEN records ago, BUFFER_LOOKBACK records deep in
   * the buffer, or never logged).
   */
  markForReview(id: string, reason: ReviewReason): boolean {
    for (let i = this.buffer.length - 1; i >= Math.max(0, this.buffer.length - BUFFER_LOOKBACK); i--) {
      const r = this.buffer[i]!;
      if (r.id !== id) continue;
      if (r.review === null) this.buffer[i] = { ...r, review: reason };
      return true;
    }
    const sent = this.sent.get(id) ?? this.sentBefore.get(id);
    if (!sent) return false;
    if (sent.review === null) {
      this.sent.delete(id);
      this.sentBefore.delete(id);
      this.push({ ...sent, review: reason });
    }
    return true;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Write what is buffered; concurrent calls share one flush. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.buffer.length === 0) return Promise.resolve();
    this.flushing = (async () => {
      try {
        while (this.buffer.length > 0) {
          const records = this.buffer.splice(0, this.options.batchSize);
          this.remember(records);
          const batch = records.map((r) => (r.text === null || keepsText(this.options.retention, r.review) ? r : { ...r, text: null }));
          try {
            await this.store.insertPredictions(batch);
          } catch (err) {
            this.dropped += batch.length;
            this.options.onDrop?.(batch.length);
            this.options.onError?.(err);
          }
        }
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** Keep records being written within markForReview's reach (from before the write ends: a verdict may come meanwhile). */
  private remember(records: readonly PredictionRecord[]): void {
    for (const r of records) {
      if (this.sent.size >= MARKABLE_WRITTEN / 2) {
        this.sentBefore = this.sent;
        this.sent = new Map();
      }
      this.sent.set(r.id, r);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
