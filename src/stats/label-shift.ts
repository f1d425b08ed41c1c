/**
 * Label shift: each class's messages look as they did where a classifier was measured,
 * only the mix changes. Then its recall and false-positive rate carry over to traffic
 * with another base rate, and precision, F1 and the share of traffic flagged follow; a
 * calibrated score becomes the probability it would be under the other base rate.
 */

/**
 * The score `p`, calibrated where a share `from` was positive, as a probability where a
 * share `to` is (Saerens, Latinne & Decaestecker 2002): its odds times the change in the
 * prior odds.
 */
export function rebased(p: number, from: number, to: number): number {
  const positive = (to / from) * p;
  const negative = ((1 - to) / (1 - from)) * (1 - p);
  return positive + negative > 0 ? positive / (positive + negative) : 0;
}

/** The share of traffic flagged, precision and F1 when a share `rate` of messages is positive, from the flags' recall and false-positive rate. */
export function shiftedToBaseRate(recall: number, falsePositiveRate: number, rate: number): { flaggedShare: number; precision: number; f1: number } {
  const truePositives = rate * recall;
  const flaggedShare = truePositives + (1 - rate) * falsePositiveRate;
  const precision = flaggedShare > 0 ? truePositives / flaggedShare : 0;
  // F1 = 2·tp / (2·tp + fp + fn), in shares of traffic: tp + fp is the share flagged, tp + fn the base rate.
  const f1 = truePositives > 0 ? (2 * truePositives) / (flaggedShare + rate) : 0;
  return { flaggedShare, precision, f1 };
}
