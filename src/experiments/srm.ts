/**
 * Sample-ratio mismatch: is the traffic split what the experiment asked for? A
 * chi-square goodness-of-fit test of the arms' request counts against the configured
 * shares; GrowthBook and Statsig alarm at p < 0.001, because a broken split (a bot, a
 * crash in one arm, a sticky-assignment bug) invalidates every other figure.
 */

export const SRM_ALARM_P = 0.001;

export interface SrmResult {
  readonly chiSquare: number;
  readonly pValue: number;
  readonly mismatch: boolean;
}

export function sampleRatioMismatch(counts: readonly number[], shares: readonly number[]): SrmResult {
  const total = counts.reduce((a, b) => a + b, 0);
  const shareSum = shares.reduce((a, b) => a + b, 0);
  let chiSquare = 0;
  let df = -1;
  counts.forEach((observed, i) => {
    const expected = (total * shares[i]!) / shareSum;
    if (expected <= 0) return;
    chiSquare += ((observed - expected) * (observed - expected)) / expected;
    df++;
  });
  if (total === 0 || df < 1) return { chiSquare: 0, pValue: 1, mismatch: false };
  const pValue = chiSquareSurvival(chiSquare, df);
  return { chiSquare, pValue, mismatch: pValue < SRM_ALARM_P };
}

/** P(X ≥ x) for X ~ χ²(df): the upper regularized gamma function Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return upperRegularizedGamma(df / 2, x / 2);
}

/** Q(a, x) by its series (x < a + 1) or continued fraction (Numerical Recipes §6.2). */
function upperRegularizedGamma(a: number, x: number): number {
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  // Lentz's method for the continued fraction.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(logPrefix) * h);
}

/** Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for a > 0. */
function logGamma(a: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (a < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * a))) - logGamma(1 - a);
  const z = a - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
