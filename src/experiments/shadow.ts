/**
 * Shadow scoring off the serving thread: a child process holds the challenger (see
 * shadow-process.ts) at the lowest CPU priority; the request path queues a copy of the
 * text and moves on. Copies go over in one message every FLUSH_MS rather than one per
 * request (in one run, the messaging alone added about 10% to the champion's p99 at a
 * quarter of capacity), which keeps the serving thread's cost per request to a push.
 * At most MAX_PENDING copies wait at once; beyond that copies are skipped (and
 * counted), so a slow challenger never builds a backlog.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
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

/** The challenger's artifact file and its validation score profile's (null when it has none). */
export interface ShadowArtifact {
  readonly path: string;
  readonly profilePath: string | null;
}

export class ShadowScorer {
  private readonly child: ChildProcess;
  /** Set when the challenger's process ended without being closed: every copy is then an error. */
  private dead = false;
  private closing = false;
  private pending = 0;
  private outbox: Array<{ id: string; text: string }> = [];
  skipped = 0;

  constructor(
    artifact: ShadowArtifact,
    version: string,
    policy: PolicyConfig,
    private readonly experiment: Experiment,
    /** A message the arms flag differently: the most telling one for reviewers to label. */
    onDisagreement: (id: string) => void = () => {},
  ) {
    const script = fileURLToPath(new URL("./shadow-process.js", import.meta.url));
    this.child = fork(script, [JSON.stringify({ ...artifact, version, policy })], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    this.child.unref();
    this.child.channel?.unref();
    this.child.on("message", (m: Reply[]) => {
      this.pending -= m.length;
      for (const r of m) {
        if (r.error !== undefined) this.experiment.recordError("challenger", r.latencyMs);
        else if (this.experiment.recordShadow(r.id, { flagged: r.flagged!, action: r.action!, degraded: r.degraded!, latencyMs: r.latencyMs })) onDisagreement(r.id);
      }
    });
    // A challenger that cannot load, or dies, is an error for every copy sent to it: the error guardrail stops the experiment.
    const die = (): void => {
      if (this.closing || this.dead) return;
      this.dead = true;
      for (; this.pending > 0; this.pending--) this.experiment.recordError("challenger", 0);
    };
    this.child.on("exit", die);
    this.child.on("error", die); // could not even start
  }

  score(id: string, text: string): void {
    if (this.dead) {
      this.experiment.recordError("challenger", 0);
      return;
    }
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
    if (!this.dead && this.child.connected) this.child.send(batch);
  }

  /** Copies sent and not scored yet. */
  get backlog(): number {
    return this.pending;
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      this.child.once("exit", () => done());
      this.child.ref(); // the wait for its exit keeps this process alive
      this.child.kill();
    });
  }
}
