/** What one arm of an experiment has done: traffic, outcomes, latency, feedback. */
import { tally } from "../stats/confusion.js";
import { LatencyHistogram } from "../stats/latency.js";
import type { ArmCounts } from "./sequential.js";

export type Action = "allow" | "review" | "block";

export interface Outcome {
  readonly flagged: boolean;
  readonly action: Action;
  readonly latencyMs: number;
  readonly degraded: boolean;
}

export class ArmStats {
  requests = 0;
  flagged = 0;
  errors = 0;
  degraded = 0;
  readonly actions: Record<Action, number> = { allow: 0, review: 0, block: 0 };
  readonly latency = new LatencyHistogram();
  /** Messages both arms scored (shadow mode) and how many they flagged differently. */
  compared = 0;
  disagreed = 0;
  /** Feedback on this arm's predictions, as a confusion matrix. */
  tp = 0;
  fp = 0;
  fn = 0;
  tn = 0;

  constructor(readonly model: string) {}

  record(o: Outcome): void {
    this.requests++;
    if (o.flagged) this.flagged++;
    if (o.degraded) this.degraded++;
    this.actions[o.action]++;
    this.latency.record(o.latencyMs);
  }

  recordError(latencyMs: number): void {
    this.requests++;
    this.errors++;
    this.latency.record(latencyMs);
  }

  recordComparison(disagree: boolean): void {
    this.compared++;
    if (disagree) this.disagreed++;
  }

  /** Counts a label of a prediction that was `flagged`; `count` -1 takes one back (the label was corrected). */
  recordFeedback(flagged: boolean, label: 0 | 1, count: 1 | -1 = 1): void {
    tally(this, flagged, label, count);
  }

  /** Flagged among answered requests. */
  flaggedCounts(): ArmCounts {
    return { n: this.requests - this.errors, hits: this.flagged };
  }

  /** Truly positive among flagged-and-labelled. */
  precisionCounts(): ArmCounts {
    return { n: this.tp + this.fp, hits: this.tp };
  }

  /** Flagged among labelled positives. */
  recallCounts(): ArmCounts {
    return { n: this.tp + this.fn, hits: this.tp };
  }
}
