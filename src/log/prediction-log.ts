/**
 * The prediction log's background batch writer. The request path only pushes into a
 * bounded buffer and never waits for storage; a timer flushes batches. When the buffer
 * is full, new records are dropped and counted rather than blocking serving.
 */
import type { PredictionRecord, Store } from "../store/types.js";

export interface PredictionLogOptions {
  readonly capacity: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly onDrop?: (count: number) => void;
  readonly onError?: (err: unknown) => void;
}

export const DEFAULT_LOG_OPTIONS: PredictionLogOptions = { capacity: 50_000, batchSize: 1000, flushIntervalMs: 250 };

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
          const batch = this.buffer.splice(0, this.options.batchSize);
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
