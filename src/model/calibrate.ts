/**
 * Platt scaling: fit p = sigmoid(a * margin + b) on held-out margins by Newton's method
 * with a backtracking line search (Lin, Lin & Weng 2007, "A note on Platt's probabilistic
 * outputs for support vector machines"), with Platt's smoothed targets so that a
 * separable validation set cannot drive a to ∞. Full Newton steps alone diverged when the
 * margins sat far from zero and the classes barely overlapped: a retrain's Turkish
 * calibration came out at a = 2·10^11, a step function that ranked nothing.
 */
import type { Platt } from "./linear.js";
import { sigmoid } from "./linear.js";

export const IDENTITY_PLATT: Platt = { a: 1, b: 0 };

const MIN_STEP = 1e-10;
/** Armijo's sufficient-decrease constant, as in Lin et al. */
const SUFFICIENT_DECREASE = 1e-4;
/** Near the minimum a step changes the loss by less than rounding: such a step is taken. */
const ROUNDING = 1e-12;

export function fitPlatt(margins: ArrayLike<number>, labels: ArrayLike<number>, iterations = 50): Platt {
  const pos = positives(labels);
  const neg = margins.length - pos;
  if (pos === 0 || neg === 0) return IDENTITY_PLATT;
  const targets = plattTargets(labels, pos);
  // From the identity first (a score already calibrated stays as it is). Where the margins
  // saturate the sigmoid there, Newton cannot move: then from Lin et al.'s start, the
  // prior log-odds, and the better of the two fits wins.
  const fromIdentity = newton(margins, targets, IDENTITY_PLATT, iterations);
  if (fromIdentity.converged) return fromIdentity.fit;
  const fromPrior = newton(margins, targets, { a: 0, b: Math.log((pos + 1) / (neg + 1)) }, iterations);
  return fromPrior.loss < fromIdentity.loss ? fromPrior.fit : fromIdentity.fit;
}

function newton(margins: ArrayLike<number>, targets: Float64Array, start: Platt, iterations: number): { fit: Platt; loss: number; converged: boolean } {
  const n = margins.length;
  let { a, b } = start;
  let loss = plattLoss(margins, targets, a, b);
  for (let it = 0; it < iterations; it++) {
    // gradient and Hessian of the log loss in (a, b)
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const m = margins[i]!;
      const p = sigmoid(a * m + b);
      const d = p - targets[i]!;
      const w = p * (1 - p);
      ga += d * m;
      gb += d;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (det <= 0) break;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    const slope = ga * da + gb * db; // directional derivative: negative for a descent direction
    let step = 1;
    for (; step >= MIN_STEP; step /= 2) {
      const next = plattLoss(margins, targets, a + step * da, b + step * db);
      if (next <= loss + SUFFICIENT_DECREASE * step * slope + ROUNDING * Math.abs(loss)) {
        loss = next;
        break;
      }
    }
    if (step < MIN_STEP) break; // no step lowers the loss
    a += step * da;
    b += step * db;
    if (Math.abs(step * da) < 1e-9 && Math.abs(step * db) < 1e-9) return { fit: { a, b }, loss, converged: true };
  }
  return { fit: { a, b }, loss, converged: false };
}

function positives(labels: ArrayLike<number>): number {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]! > 0 ? 1 : 0;
  return pos;
}

/** Platt's smoothed targets: (pos + 1) / (pos + 2) for a positive, 1 / (neg + 2) for a negative. */
export function plattTargets(labels: ArrayLike<number>, pos = positives(labels)): Float64Array {
  const neg = labels.length - pos;
  const targets = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) targets[i] = labels[i]! > 0 ? (pos + 1) / (pos + 2) : 1 / (neg + 2);
  return targets;
}

/** The log loss of sigmoid(a * margin + b) against `targets` (what fitPlatt minimizes), without overflow for large |f|. */
export function plattLoss(margins: ArrayLike<number>, targets: Float64Array, a: number, b: number): number {
  let loss = 0;
  for (let i = 0; i < margins.length; i++) {
    const f = a * margins[i]! + b;
    const t = targets[i]!;
    loss += f >= 0 ? (1 - t) * f + Math.log1p(Math.exp(-f)) : -t * f + Math.log1p(Math.exp(f));
  }
  return loss;
}
