/** Binary classification metrics over scores in [0, 1] and 0/1 labels. */

export interface BinaryMetrics {
  readonly n: number;
  readonly positives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly rocAuc: number;
  readonly prAuc: number;
}

/** One classifier's flags on a set of rows, beside the rows' labels (for paired comparisons: bootstrap.ts). */
export interface Decisions {
  readonly labels: Uint8Array;
  readonly flagged: Uint8Array;
}

/** Whether example i is flagged at `threshold`: one for all, or one per example. */
function flaggedAt(scores: ArrayLike<number>, threshold: number | ArrayLike<number>, i: number): boolean {
  return scores[i]! >= (typeof threshold === "number" ? threshold : threshold[i]!);
}

/** The flags `binaryMetrics` counts, row by row. */
export function decisionsAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number | ArrayLike<number>): Decisions {
  return { labels: Uint8Array.from({ length: labels.length }, (_, i) => (labels[i]! > 0 ? 1 : 0)), flagged: Uint8Array.from({ length: scores.length }, (_, i) => (flaggedAt(scores, threshold, i) ? 1 : 0)) };
}

/** True positives, false positives, false negatives and positives at `threshold`: one for all, or one per example. */
function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number | ArrayLike<number>): { tp: number; fp: number; fn: number; positives: number } {
  let tp = 0, fp = 0, fn = 0, positives = 0;
  for (let i = 0; i < scores.length; i++) {
    const y = labels[i]! > 0;
    const yhat = flaggedAt(scores, threshold, i);
    if (y) positives++;
    if (y && yhat) tp++;
    else if (!y && yhat) fp++;
    else if (y && !yhat) fn++;
  }
  return { tp, fp, fn, positives };
}

/** F1 from counts: 2·tp / (2·tp + fp + fn), 0 when nothing was found. */
export function f1FromCounts(tp: number, fp: number, fn: number): number {
  return tp > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
}

/** `threshold` is one decision threshold for all, or one per example. */
export function binaryMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number | ArrayLike<number> = 0.5): BinaryMetrics {
  const n = scores.length;
  const { tp, fp, fn, positives } = confusionAt(scores, labels, threshold);
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return { n, positives, precision, recall, f1: f1FromCounts(tp, fp, fn), rocAuc: rocAuc(scores, labels), prAuc: averagePrecision(scores, labels) };
}

/**
 * The flag threshold for calibrated scores: half the best F1 that any threshold from 0.05
 * to 0.95 (steps of 0.025) reaches on these held-out rows. For calibrated probabilities
 * the F1-optimal threshold is half the optimal F1 (Lipton, Elkan & Naryanaswamy 2014),
 * and the best F1 is a stable figure where the empirical F1 curve's argmax is not: on a
 * few hundred validation messages of one language, that argmax (or the middle of its
 * plateau, the rule before this one) moved by several hundredths between retrainings
 * with another seed, and the language's flag rate with it.
 */
export function f1OptimalThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let best = 0;
  for (let step = 0; step <= 36; step++) {
    const { tp, fp, fn } = confusionAt(scores, labels, 0.05 + step * 0.025);
    best = Math.max(best, f1FromCounts(tp, fp, fn));
  }
  // No positive found at any threshold: nothing to place it by, so the neutral 0.5.
  return best > 0 ? Math.round(best * 500) / 1000 : 0.5;
}

function orderByScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Walks the cutoffs from the highest score down, tied scores together: after each group
 * of equal scores, `visit(tp, seen)` with the positives and the rows scoring at or above
 * it. Returns the number of positives.
 */
function forEachCutoff(scores: ArrayLike<number>, labels: ArrayLike<number>, visit: (tp: number, seen: number, positives: number) => void): number {
  const order = orderByScoreDesc(scores);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) positives++;
  let tp = 0, seen = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!]! > 0) tp++;
      seen++;
      j++;
    }
    visit(tp, seen, positives);
    i = j;
  }
  return positives;
}

/** ROC AUC as the Mann–Whitney statistic, ties counted half. NaN when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  // for each negative, count the positives above it (ties half)
  let above = 0, prevSeen = 0, sum = 0;
  const pos = forEachCutoff(scores, labels, (tp, seen) => {
    const tiePos = tp - above;
    const tieNeg = seen - prevSeen - tiePos;
    sum += tieNeg * (above + tiePos / 2);
    above = tp;
    prevSeen = seen;
  });
  const neg = labels.length - pos;
  return pos === 0 || neg === 0 ? NaN : sum / (pos * neg);
}

/**
 * The best F1 any single threshold reaches on these rows, chosen in hindsight (tied scores
 * stay together): what the scores' ranking allows, not what a model deployed with a
 * threshold fixed beforehand gets. Beside the F1 at the real threshold it separates a
 * weaker ranking from a worse-placed threshold.
 */
export function hindsightF1(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let best = 0;
  forEachCutoff(scores, labels, (tp, seen, positives) => (best = Math.max(best, f1FromCounts(tp, seen - tp, positives - tp))));
  return best;
}

/** Area under the precision–recall curve as average precision (sklearn's definition). */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let ap = 0, prevRecall = 0;
  const pos = forEachCutoff(scores, labels, (tp, seen, positives) => {
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  });
  return pos === 0 ? NaN : ap;
}
