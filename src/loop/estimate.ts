/**
 * Precision and recall from reviewers' labels, measured without bias. Only predictions
 * drawn at random (loop/sampling.ts) count: the flagged messages reviewers see anyway
 * tell precision but never recall (a message nobody flagged is never reviewed), and the
 * uncertain ones are chosen by score. Each figure comes with a Wilson 95% interval,
 * which keeps its stated coverage for small samples and rates near 0 or 1.
 */
import { tally, type Confusion } from "../stats/confusion.js";
import type { FeedbackCount } from "../store/types.js";

export interface Interval {
  readonly estimate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  /** The labels it rests on. */
  readonly n: number;
}

const Z95 = 1.959963984540054;

/** Wilson score interval for `hits` of `n`. */
export function wilson(hits: number, n: number, z = Z95): Interval {
  if (n === 0) return { estimate: null, low: null, high: null, n };
  const p = hits / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}

export interface SampledQuality {
  readonly precision: Interval;
  readonly recall: Interval;
  /** Share of traffic that truly should be flagged (prevalence), from the same sample. */
  readonly prevalence: Interval;
}

export function sampledQuality(c: Confusion): SampledQuality {
  return {
    precision: wilson(c.tp, c.tp + c.fp),
    recall: wilson(c.tp, c.tp + c.fn),
    prevalence: wilson(c.tp + c.fn, c.tp + c.fp + c.fn + c.tn),
  };
}

/** The random sample's confusion matrix, over all languages ("*") and per language. */
export function randomSampleConfusion(counts: readonly FeedbackCount[]): Map<string, Confusion> {
  const out = new Map<string, Confusion>();
  for (const c of counts) {
    if (c.review !== "random") continue;
    for (const key of ["*", c.lang]) {
      const m = out.get(key) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
      tally(m, c.flagged, c.label, c.n);
      out.set(key, m);
    }
  }
  return out;
}
