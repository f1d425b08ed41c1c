/**
 * Expected calibration error: how far predicted probabilities are from observed
 * frequencies. Scores are put into `bins` equal-width bins over [0, 1]; ECE is the
 * mean over examples of |mean score − share of positives| of their bin.
 *
 *   expectedCalibrationError([0.9, 0.9, 0.1, 0.1], [1, 1, 0, 0]) // 0.1
 *
 * 0 is perfect; a model that says 0.9 for messages that are abusive half the time
 * scores about 0.4 on them. NaN when there are no examples.
 */
export function expectedCalibrationError(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  const n = scores.length;
  if (n === 0) return NaN;
  const sum = new Float64Array(bins);
  const pos = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    sum[b]! += s;
    pos[b]! += labels[i]! > 0 ? 1 : 0;
    count[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += Math.abs(sum[b]! - pos[b]!) / n;
  return ece;
}
