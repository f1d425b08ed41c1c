/**
 * How much of an F1 difference between two classifiers judged on the same rows is more
 * than the luck of the test sample: a paired bootstrap (resample the rows with
 * replacement, the same rows for both, and recompute both F1s; Koehn 2004 for paired
 * resampling in evaluation). The 95% interval is the 2.5th and 97.5th percentiles of the
 * resampled differences. It covers the test sample only: a retrain with another seed
 * moves small datasets' F1 too (docs/reference.md), and no interval here includes that.
 */
import { mulberry32 } from "../model/shuffle.js";
import { f1FromCounts, type Decisions } from "./metrics.js";

export interface Interval {
  /** The difference on the rows as they are. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface PairedIntervals {
  /** Per pair, F1(a) − F1(b). */
  readonly perDataset: Interval[];
  /** The mean over the pairs of F1(a) − F1(b): each resample draws every dataset's rows anew. */
  readonly mean: Interval;
}

export const BOOTSTRAP_RESAMPLES = 2000;

/** F1(a) − F1(b) over the rows `pick(k)` for k < n (every row once when pick is the identity). */
function difference(a: Decisions, b: Decisions, n: number, pick: (k: number) => number): number {
  let tpA = 0, fpA = 0, fnA = 0, tpB = 0, fpB = 0, fnB = 0;
  for (let k = 0; k < n; k++) {
    const i = pick(k);
    const y = a.labels[i]!;
    const fa = a.flagged[i]!;
    const fb = b.flagged[i]!;
    if (y) {
      if (fa) tpA++;
      else fnA++;
      if (fb) tpB++;
      else fnB++;
    } else {
      fpA += fa;
      fpB += fb;
    }
  }
  return f1FromCounts(tpA, fpA, fnA) - f1FromCounts(tpB, fpB, fnB);
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

function interval(estimate: number, draws: Float64Array): Interval {
  const sorted = Float64Array.from(draws).sort();
  return { estimate, low: percentile(sorted, 0.025), high: percentile(sorted, 0.975) };
}

/** Paired bootstrap intervals of F1(a) − F1(b) per pair and of their mean; a and b of a pair must judge the same rows. */
export function pairedF1Intervals(pairs: ReadonlyArray<readonly [Decisions, Decisions]>, resamples = BOOTSTRAP_RESAMPLES, seed = 1): PairedIntervals {
  for (const [a, b] of pairs) {
    if (a.labels.length !== b.labels.length || a.flagged.length !== a.labels.length || b.flagged.length !== b.labels.length) {
      throw new RangeError("paired decisions must cover the same rows");
    }
  }
  const random = mulberry32(seed);
  const draws = pairs.map(() => new Float64Array(resamples));
  const meanDraws = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    pairs.forEach(([a, b], d) => {
      const n = a.labels.length;
      const diff = difference(a, b, n, () => Math.floor(random() * n));
      draws[d]![r] = diff;
      sum += diff;
    });
    meanDraws[r] = pairs.length > 0 ? sum / pairs.length : 0;
  }
  const estimates = pairs.map(([a, b]) => difference(a, b, a.labels.length, (k) => k));
  const meanEstimate = estimates.length > 0 ? estimates.reduce((s, x) => s + x, 0) / estimates.length : 0;
  return { perDataset: estimates.map((e, d) => interval(e, draws[d]!)), mean: interval(meanEstimate, meanDraws) };
}
