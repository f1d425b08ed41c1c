/**
 * Distribution-shift statistics between a reference and a window.
 *
 * PSI (population stability index) over fixed bins: Σ (w − r) · ln(w / r), with each
 * bin's share floored at EPSILON so an empty bin does not make it infinite. The
 * thresholds are the usual ones (Evidently, credit scoring): below 0.1 stable, 0.1–0.2
 * a moderate shift, above 0.2 a significant one.
 *
 * Jensen–Shannon divergence (base 2, so in [0, 1]) between two categorical
 * distributions, for the language mix: symmetric and finite even when a language
 * appears on one side only.
 */
const EPSILON = 1e-4;

function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

export function psi(reference: ArrayLike<number>, window: ArrayLike<number>): number {
  const r = shares(reference);
  const w = shares(window);
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    const a = Math.max(EPSILON, w[i]!);
    const b = Math.max(EPSILON, r[i]!);
    sum += (a - b) * Math.log(a / b);
  }
  return sum;
}

export function jensenShannon(reference: Record<string, number>, window: Record<string, number>): number {
  const keys = [...new Set([...Object.keys(reference), ...Object.keys(window)])];
  const p = shares(keys.map((k) => reference[k] ?? 0));
  const q = shares(keys.map((k) => window[k] ?? 0));
  let js = 0;
  for (let i = 0; i < keys.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    if (p[i]! > 0) js += 0.5 * p[i]! * Math.log2(p[i]! / m);
    if (q[i]! > 0) js += 0.5 * q[i]! * Math.log2(q[i]! / m);
  }
  return Math.max(0, js);
}

/** Which of `bins` equal-width bins over [0, 1] a probability falls in. */
export function scoreBin(p: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
}
