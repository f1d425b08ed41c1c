/**
 * Shadow scoring off the serving thread: a worker thread holds the challenger (see
 * shadow-thread.ts) at a low CPU priority; the request path queues a copy of the text
 * and moves on. Copies go over in one message every FLUSH_MS (one message per request
 * cost the champion's p99 about 10% at a quarter of capacity), which keeps the serving
 * thread's cost per request to a push.
 * At most MAX_PENDING copies wait at once; beyond that copies are skipped (and
 * counted), so a slow challenger never builds a backlog.
 */
import { Worker } from "node:worker_threads";
import type { PolicyConfig } from "../config.js";
import type { Action } from "../engine/policy.js";
import type { Experiment } from "./experiment.js";

const MAX_PENDING = 256;
const FLUSH_MS = 10;

interface Reply {
  readonly id: string;
  readonly flagged?: boolean;
  readonly action?: Action;
  readonly degraded?: boolean;
  readonly error?: string;
  readonly latencyMs: number;
}

export class ShadowScorer {
  private readonly worker: Worker;
  private pending = 0;
  private outbox: Array<{ id: string; text: string }> = [];
  skipped = 0;

  constructor(
    artifactPath: string,
    version: string,
    policy: PolicyConfig,
    private readonly experiment: Experiment,
    /** A message the arms flag differently: the most telling one for reviewers to label. */
    onDisagreement: (id: string) => void = () => {},
  ) {
    this.worker = new Worker(new URL("./shadow-thread.js", import.meta.url), { workerData: { path: artifactPath, version, policy } });
    this.worker.unref();
    this.worker.on("message", (m: Reply[]) => {
      this.pending -= m.length;
      for (const r of m) {
        if (r.error !== undefined) this.experiment.recordError("challenger", r.latencyMs);
        else if (this.experiment.recordShadow(r.id, { flagged: r.flagged!, action: r.action!, degraded: r.degraded!, latencyMs: r.latencyMs })) onDisagreement(r.id);
      }
    });
    // A challenger that cannot even load is an error for every copy sent to it: the error guardrail stops the experiment.
    this.worker.on("error", () => {
      this.experiment.recordError("challenger", 0);
    });
  }

  score(id: string, text: string): void {
    if (this.pending >= MAX_PENDING) {
      this.skipped++;
      return;
    }
    this.pending++;
    if (this.outbox.push({ id, text }) === 1) setTimeout(() => this.send(), FLUSH_MS).unref();
  }

  private send(): void {
    const batch = this.outbox;
    this.outbox = [];
    this.worker.postMessage(batch);
  }

  /** Copies sent and not scored yet. */
  get backlog(): number {
    return this.pending;
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
