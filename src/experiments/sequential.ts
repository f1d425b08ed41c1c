/**
 * Anytime-valid comparison of two proportions (flagged rate, feedback precision or
 * recall of two arms): a mixture sequential probability ratio test (mSPRT, Robbins'
 * normal mixture as in Johari et al., "Always valid inference", 2017) on the
 * difference of the arms' rates.
 *
 * With Δ̂ = p̂_B − p̂_A and its variance v = p̂_A(1−p̂_A)/n_A + p̂_B(1−p̂_B)/n_B, the
 * mixture likelihood ratio against "no difference" under a N(0, τ²) prior on Δ is
 *
 *   Λ = sqrt(v / (v + τ²)) · exp(τ² Δ̂² / (2 v (v + τ²)))
 *
 * and the test rejects once Λ ≥ 1/α. Because Λ is (asymptotically) a martingale under
 * the null, the chance that it EVER crosses 1/α is at most α: people may look after
 * every request and stop whenever they like. The matching confidence sequence is the
 * set of Δ the same test would not reject. τ is the size of difference the test is
 * tuned to find fastest; any real difference is found eventually.
 */

export interface ArmCounts {
  /** Items in the denominator (requests; flagged-and-labelled; labelled positive). */
  readonly n: number;
  /** Items counted (flagged; truly positive among flagged; flagged among positive). */
  readonly hits: number;
}

export interface SequentialOptions {
  /** Type I error bound over the whole experiment, however often people look. */
  readonly alpha: number;
  /** Mixture scale: the difference (in rate units) the test is most sensitive to. */
  readonly tau: number;
  /** Below this many items per arm no verdict is given (the normal approximation needs some). */
  readonly minPerArm: number;
}

export const DEFAULT_SEQUENTIAL: SequentialOptions = { alpha: 0.05, tau: 0.05, minPerArm: 100 };

export interface SequentialResult {
  /** Challenger's rate minus the champion's. */
  readonly difference: number;
  /** Always-valid (1 − α) confidence interval for the difference: null before minPerArm. */
  readonly interval: readonly [number, number] | null;
  /** Always-valid p-value: min(1, 1/Λ); only decreases are meaningful as data accrue. */
  readonly pValue: number;
  readonly significant: boolean;
}

export function rate(c: ArmCounts): number {
  return c.n > 0 ? c.hits / c.n : 0;
}

/** Variance of the difference; floored so that all-or-nothing rates early on do not give 0. */
function differenceVariance(a: ArmCounts, b: ArmCounts): number {
  const term = (c: ArmCounts): number => {
    // Add-one smoothing keeps p(1-p) away from zero for 0% and 100% rates.
    const p = (c.hits + 0.5) / (c.n + 1);
    return (p * (1 - p)) / c.n;
  };
  return term(a) + term(b);
}

export function compareRates(champion: ArmCounts, challenger: ArmCounts, options: SequentialOptions = DEFAULT_SEQUENTIAL): SequentialResult {
  const difference = rate(challenger) - rate(champion);
  if (champion.n < options.minPerArm || challenger.n < options.minPerArm) {
    return { difference, interval: null, pValue: 1, significant: false };
  }
  const v = differenceVariance(champion, challenger);
  const t2 = options.tau * options.tau;
  const logLambda = 0.5 * Math.log(v / (v + t2)) + (t2 * difference * difference) / (2 * v * (v + t2));
  const pValue = Math.min(1, Math.exp(-logLambda));
  // {Δ0 : Λ(Δ0) < 1/α}: |Δ̂ − Δ0| < sqrt(2 v (v + τ²)/τ² · (log(1/α) + ½ log((v + τ²)/v)))
  const half = Math.sqrt(((2 * v * (v + t2)) / t2) * (Math.log(1 / options.alpha) + 0.5 * Math.log((v + t2) / v)));
  return { difference, interval: [difference - half, difference + half], pValue, significant: pValue <= options.alpha };
}
