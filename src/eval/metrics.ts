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

/** `threshold` is one decision threshold for all, or one per example. */
export function binaryMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number | ArrayLike<number> = 0.5): BinaryMetrics {
  const n = scores.length;
  const { tp, fp, fn, positives } = confusionAt(scores, labels, threshold);
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { n, positives, precision, recall, f1, rocAuc: rocAuc(scores, labels), prAuc: averagePrecision(scores, labels) };
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
    if (tp > 0) best = Math.max(best, (2 * tp) / (2 * tp + fp + fn));
  }
  // No positive found at any threshold: nothing to place it by, so the neutral 0.5.
  return best > 0 ? Math.round(best * 500) / 1000 : 0.5;
}

function orderByScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** ROC AUC as the Mann–Whitney statistic, ties counted half. NaN when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = orderByScoreDesc(scores);
  let pos = 0, neg = 0;
  for (let i = 0; i < labels.length; i++) (labels[i]! > 0 ? pos++ : neg++);
  if (pos === 0 || neg === 0) return NaN;
  // walk from the highest score; for each negative, count positives above it (ties half)
  let above = 0;
  let sum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    let tiePos = 0, tieNeg = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      labels[order[j]!]! > 0 ? tiePos++ : tieNeg++;
      j++;
    }
    sum += tieNeg * (above + tiePos / 2);
    above += tiePos;
    i = j;
  }
  return sum / (pos * neg);
}

/** Area under the precision–recall curve as average precision (sklearn's definition). */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = orderByScoreDesc(scores);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) pos++;
  if (pos === 0) return NaN;
  let tp = 0, seen = 0, ap = 0, prevRecall = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!]! > 0) tp++;
      seen++;
      j++;
    }
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
    i = j;
  }
  return ap;
}
