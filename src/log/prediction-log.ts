/**
 * The prediction log's background batch writer. The request path only pushes into a
 * bounded buffer and never waits for storage; a timer flushes batches. When the buffer
 * is full, new records are dropped and counted rather than blocking serving.
 *
 * Records arrive with their text; the retention setting is applied when they are
 * written, so that a message sent to review in the moments after it was answered (a
 * shadow challenger disagreeing, say) still has its text for the reviewer.
 */
import type { WardenConfig } from "../config.js";
import type { PredictionRecord, ReviewReason, Store } from "../store/types.js";

export type Retention = WardenConfig["monitoring"]["retention"];

/** Whether the log keeps a record's text: never, only for messages sent to review, or always. */
export function keepsText(retention: Retention, review: ReviewReason | null): boolean {
  return retention === "all" || (retention === "review" && review !== null);
}

/** How far back from the newest record `markForReview` looks (a shadow score comes within milliseconds). */
const MARK_LOOKBACK = 2000;

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
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  dropped = 0;
  written = 0;

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

  /** Send a record not yet written to review (if it is not already); false when it has been written. */
  markForReview(id: string, reason: ReviewReason): boolean {
    for (let i = this.buffer.length - 1; i >= Math.max(0, this.buffer.length - MARK_LOOKBACK); i--) {
      const r = this.buffer[i]!;
      if (r.id !== id) continue;
      if (r.review === null) this.buffer[i] = { ...r, review: reason };
      return true;
    }
    return false;
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
          const batch = this.buffer.splice(0, this.options.batchSize).map((r) => (r.text === null || keepsText(this.options.retention, r.review) ? r : { ...r, text: null }));
          try {
            await this.store.insertPredictions(batch);
            this.written += batch.length;
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

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
