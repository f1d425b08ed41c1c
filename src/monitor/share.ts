/**
 * Closed monitoring windows go to the store for the other replicas, merged per interval
 * rather than one row each: a window closes every `windowSize` messages, which at 5,000
 * messages/s is 10 rows a second per replica, a million a day, all read back by every
 * GET /v1/monitor on the other replicas. Merged per 10 s it is 8,640 rows a day; the
 * other replicas see a window up to one interval later.
 */
import { Window } from "./window.js";

export class WindowSharer {
  private pending: Window | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly put: (w: Window) => Promise<void>,
    everyMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), everyMs);
    this.timer.unref();
  }

  /** A window that closed (left as it is: the monitor keeps it). */
  add(w: Window): void {
    this.pending ??= new Window(w.start);
    this.pending.merge(w);
  }

  /** Writes what closed since the last write, as one window. */
  async flush(): Promise<void> {
    const w = this.pending;
    this.pending = null;
    if (w) await this.put(w);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
