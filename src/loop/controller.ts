/**
 * The loop inside a server: alerts and a schedule start retrains (one at a time across
 * every replica sharing the store: the store's claim decides), and, only when the
 * config allows it, a retrain's shadow experiment that decides "ship challenger" with
 * every guardrail held promotes its challenger. Otherwise promotion stays a person's
 * decision (`warden models promote`, the admin API).
 */
import type { LoopConfig } from "../config.js";
import type { ExperimentManager } from "../experiments/manager.js";
import type { AlertState } from "../monitor/alerts.js";
import type { Registry } from "../registry/registry.js";
import type { RetrainOutcome, RetrainRecord, Store } from "../store/types.js";

/** Runs a claimed retrain to its end (in a child process in production: loop/child.ts). */
export type RetrainRunner = (claimed: RetrainRecord) => Promise<void>;

export const RETRAIN_EXPERIMENT_PREFIX = "retrain-";

/** A retrain that ended without a candidate to try (or with one the gate refused), and why. */
export function failedRetrain(reason: string, extra: Partial<Pick<RetrainOutcome, "candidate" | "gate">> = {}): RetrainOutcome {
  return { state: "failed", candidate: null, gate: null, experiment: null, ...extra, message: `failed: ${reason}` };
}

/** Labels counted again after this many new ones while a trigger waits for them. */
const RECOUNT_EVERY = 25;

export class LoopController {
  private current: Promise<void> | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** A trigger that came before reviewers had given `loop.minFeedbackRows` labels: it starts once they have. */
  private waiting: { trigger: string; labels: number } | null = null;
  private labelsSinceCount = 0;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly experiments: ExperimentManager,
    private readonly loop: LoopConfig,
    private readonly runner: RetrainRunner,
    private readonly log: (message: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    // Without base data there is nothing to retrain on: alerts and the schedule start nothing.
    if (loop.baseData.length > 0 && loop.everyHours > 0) this.every(loop.everyHours * 3_600_000, () => this.automatic("schedule"));
    if (loop.autoPromote) this.every(2000, () => this.promoteWinner());
  }

  /** The monitor's alert changes: a firing alert named in `loop.triggerAlerts` starts a retrain. */
  onAlerts(changes: readonly AlertState[]): void {
    if (this.loop.baseData.length === 0) return;
    for (const a of changes) if (a.state === "firing" && this.loop.triggerAlerts.includes(a.name)) void this.automatic(`alert:${a.name}`).catch((err) => this.log(`retrain trigger failed: ${(err as Error).message}`));
  }

  /**
   * An alert or the schedule: with too few labels to learn from, wait for them (a
   * retrain now would fail, and a firing alert does not fire again); else start.
   */
  async automatic(trigger: string): Promise<RetrainRecord | null> {
    const labels = await this.labelCount();
    if (labels < this.loop.minFeedbackRows) {
      this.waiting ??= { trigger, labels };
      this.waiting.labels = labels;
      this.log(`retrain trigger ${trigger}: waiting for labels (${labels} of ${this.loop.minFeedbackRows})`);
      return null;
    }
    return this.trigger(trigger);
  }

  /** A reviewer's label arrived: a waiting trigger starts once there are enough. */
  onFeedback(): void {
    if (!this.waiting || ++this.labelsSinceCount < RECOUNT_EVERY) return;
    this.labelsSinceCount = 0;
    const { trigger } = this.waiting;
    void this.labelCount()
      .then((labels) => {
        if (!this.waiting) return;
        this.waiting.labels = labels;
        if (labels < this.loop.minFeedbackRows) return;
        this.waiting = null;
        return this.trigger(`${trigger} (waited for labels)`);
      })
      .catch((err) => this.log(`retrain trigger failed: ${(err as Error).message}`));
  }

  /** The trigger waiting for labels, if any (GET /v1/loop). */
  get waitingFor(): { trigger: string; labels: number; needed: number } | null {
    return this.waiting ? { ...this.waiting, needed: this.loop.minFeedbackRows } : null;
  }

  /** Claim a retrain for `trigger` and start it, or record it as skipped when one runs. */
  async trigger(trigger: string): Promise<RetrainRecord> {
    const claim = await this.store.claimRetrain(trigger, this.now(), this.loop.timeoutMinutes * 60_000);
    this.log(claim.state === "running" ? `retrain ${claim.id} started (${trigger})` : `retrain trigger ${trigger}: ${claim.message}`);
    if (claim.state === "running") {
      this.current = this.runner(claim)
        .catch((err) => this.store.finishRetrain(claim.id, failedRetrain((err as Error).message), this.now()))
        .finally(() => (this.current = null));
    }
    return claim;
  }

  /** Resolves once the retrain this process started has ended. */
  async idle(): Promise<void> {
    await this.current;
  }

  /** With `loop.autoPromote`: promote the challenger of a retrain's experiment that decided to ship it. */
  async promoteWinner(): Promise<string | null> {
    const running = this.experiments.running;
    if (!this.loop.autoPromote || !running || !running.experiment.spec.name.startsWith(RETRAIN_EXPERIMENT_PREFIX)) return null;
    const status = running.experiment.status();
    if (status.decision !== "ship challenger") return null;
    const { name, challenger } = running.experiment.spec;
    await this.registry.promote(challenger, `auto-promoted: experiment ${name} decided "ship challenger" with every guardrail held (loop.autoPromote)`);
    await this.experiments.stop(name, null);
    this.log(`promoted ${challenger} (experiment ${name})`);
    return challenger;
  }

  /** Labels joined to logged predictions (what a retrain could learn from, before deduplication). */
  private async labelCount(): Promise<number> {
    return (await this.store.countFeedback()).reduce((a, c) => a + c.n, 0);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    const t = setInterval(() => void fn().catch((err) => this.log(`loop: ${(err as Error).message}`)), ms);
    t.unref();
    this.timers.push(t);
  }
}
