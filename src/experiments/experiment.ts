/**
 * One running experiment, champion against challenger, independent of HTTP: which arm
 * answers a request, what each arm did, the feedback that joins its predictions, the
 * guardrails that stop it, and its status in the contract's shape.
 */
import { assignArm, type Arm } from "./assign.js";
import { ArmStats, type Outcome } from "./arm.js";
import { brokenGuardrail, decide, DEFAULT_GUARDRAILS, type Guardrails, type Verdict } from "./decision.js";

export type Mode = "ab" | "shadow";

export interface ExperimentSpec {
  readonly name: string;
  readonly champion: string;
  readonly challenger: string;
  readonly mode: Mode;
  /** ab: the challenger's share of users; shadow: the share of requests it also scores. */
  readonly traffic: number;
  readonly startedAt: number;
  readonly guardrails?: Guardrails;
}

/** Predictions remembered for the feedback join (the most recent ones; older feedback is not attributed). */
const REMEMBERED = 200_000;
/** Guardrails are checked every this many challenger answers (a quantile costs a pass over the histogram). */
const CHECK_EVERY = 25;

export class Experiment {
  readonly arms: Record<Arm, ArmStats>;
  state: "running" | "stopped" = "running";
  stoppedBy: string | null = null;
  stoppedAt: number | null = null;
  /** Prediction id → whether each arm flagged it (shadow: both; ab: the one that answered), and its latest label. */
  private readonly predictions = new Map<string, Remembered>();

  constructor(readonly spec: ExperimentSpec) {
    this.arms = { champion: new ArmStats(spec.champion), challenger: new ArmStats(spec.challenger) };
  }

  get guardrails(): Guardrails {
    return this.spec.guardrails ?? DEFAULT_GUARDRAILS;
  }

  /** Who answers: in ab mode the user's sticky arm while running; otherwise the champion. */
  answeringArm(key: string): Arm {
    return this.state === "running" && this.spec.mode === "ab" ? assignArm(this.spec.name, key, this.spec.traffic) : "champion";
  }

  /** Whether the challenger should also score this request off the response path. */
  shadows(key: string): boolean {
    return this.state === "running" && this.spec.mode === "shadow" && assignArm(this.spec.name, key, this.spec.traffic) === "challenger";
  }

  record(arm: Arm, id: string, outcome: Outcome): void {
    this.arms[arm].record(outcome);
    this.remember(id, arm, outcome.flagged);
    if (arm === "challenger") this.maybeCheck();
  }

  recordError(arm: Arm, latencyMs: number): void {
    this.arms[arm].recordError(latencyMs);
    if (arm === "challenger") this.maybeCheck();
  }

  /** A shadow score of a request the champion answered (same id); true when the arms disagree on flagging it. */
  recordShadow(id: string, outcome: Outcome): boolean {
    const seen = this.predictions.get(id);
    const champion = seen?.champion;
    const disagree = champion !== undefined && champion !== outcome.flagged;
    const firstVerdict = seen?.challenger === undefined;
    if (champion !== undefined) this.arms.challenger.recordComparison(disagree);
    this.record("challenger", id, outcome);
    // A label that came before this verdict waited for it (countLabel counts it once both arms have scored).
    if (firstVerdict && seen?.label !== undefined) this.countLabel(seen, seen.label, 1);
    return disagree;
  }

  /**
   * Joins a label to the arms that predicted this id; false when the id is unknown here.
   * A second label for the same id corrects the first (as the store's latest label does):
   * the first is taken back, not counted beside it.
   */
  recordFeedback(id: string, label: 0 | 1): boolean {
    const p = this.predictions.get(id);
    if (!p) return false;
    if (p.label !== undefined) this.countLabel(p, p.label, -1);
    p.label = label;
    this.countLabel(p, label, 1);
    return true;
  }

  /**
   * Counts (or with -1 takes back) a label for the arms that predicted `p`. In shadow mode
   * only once both arms have, so the arms' precision and recall rest on the same labelled
   * messages: the challenger's copy comes after the champion's answer, and may come after
   * the label or not at all (skipped under load), which would otherwise leave it a
   * different sample from the champion's.
   */
  private countLabel(p: Remembered, label: 0 | 1, count: 1 | -1): void {
    if (this.spec.mode === "shadow" && (p.champion === undefined || p.challenger === undefined)) return;
    for (const arm of ["champion", "challenger"] as const) {
      const flagged = p[arm];
      if (flagged !== undefined) this.arms[arm].recordFeedback(flagged, label, count);
    }
  }

  stop(reason: string | null, now = Date.now()): void {
    if (this.state === "stopped") return;
    this.state = "stopped";
    this.stoppedBy = reason;
    this.stoppedAt = now;
  }

  verdict(): Verdict {
    return decide(this.spec.mode, this.spec.traffic, this.arms.champion, this.arms.challenger, this.stoppedBy);
  }

  /** GET /v1/admin/experiments/{name}, as in the contract (plus intervals and the guardrails). */
  status(): Record<string, unknown> {
    const v = this.verdict();
    const interval = (r: { interval: readonly [number, number] | null }): [number, number] | null => (r.interval ? [round(r.interval[0]), round(r.interval[1])] : null);
    return {
      name: this.spec.name,
      mode: this.spec.mode,
      state: this.state,
      traffic: this.spec.traffic,
      started_at: new Date(this.spec.startedAt).toISOString(),
      stopped_at: this.stoppedAt === null ? null : new Date(this.stoppedAt).toISOString(),
      arms: (["champion", "challenger"] as const).map((arm) => armStatus(arm, this.arms[arm])),
      srm_p: v.srm ? round(v.srm.pValue) : null,
      differences: {
        flagged_rate: { value: round(v.flaggedRate.difference), interval: interval(v.flaggedRate), significant: v.flaggedRate.significant },
        precision: { value: round(v.precision.difference), interval: interval(v.precision), significant: v.precision.significant },
        recall: { value: round(v.recall.difference), interval: interval(v.recall), significant: v.recall.significant },
      },
      guardrails: this.guardrails,
      decision: v.decision,
      summary: v.summary,
    };
  }

  private remember(id: string, arm: Arm, flagged: boolean): void {
    const p = this.predictions.get(id);
    if (p) p[arm] = flagged;
    else {
      if (this.predictions.size >= REMEMBERED) this.predictions.delete(this.predictions.keys().next().value!);
      this.predictions.set(id, { [arm]: flagged });
    }
  }

  private maybeCheck(): void {
    if (this.state !== "running" || this.arms.challenger.requests % CHECK_EVERY !== 0) return;
    const broken = brokenGuardrail(this.arms.champion, this.arms.challenger, this.guardrails);
    if (broken) this.stop(broken);
  }
}

/** What an experiment remembers of a prediction for the feedback join. */
interface Remembered {
  champion?: boolean;
  challenger?: boolean;
  label?: 0 | 1;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

function armStatus(arm: Arm, s: ArmStats): Record<string, unknown> {
  const answered = Math.max(1, s.requests - s.errors);
  const p = s.precisionCounts();
  const r = s.recallCounts();
  return {
    arm,
    model: s.model,
    requests: s.requests,
    flagged_rate: round(s.flagged / answered),
    action_rates: { allow: round(s.actions.allow / answered), review: round(s.actions.review / answered), block: round(s.actions.block / answered) },
    latency_p50_ms: s.latency.quantile(0.5),
    latency_p99_ms: s.latency.quantile(0.99),
    errors: s.errors,
    degraded_rate: round(s.degraded / answered),
    disagreement: s.compared > 0 ? round(s.disagreed / s.compared) : null,
    feedback: { n: s.tp + s.fp + s.fn + s.tn, precision: p.n > 0 ? round(p.hits / p.n) : null, recall: r.n > 0 ? round(r.hits / r.n) : null },
  };
}
