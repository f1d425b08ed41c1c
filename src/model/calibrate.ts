/**
 * Platt scaling: fit p = sigmoid(a * margin + b) on held-out margins by Newton's method,
 * with Platt's smoothed targets so that a separable validation set cannot drive a to ∞.
 */
import type { Platt } from "./linear.js";
import { sigmoid } from "./linear.js";

export const IDENTITY_PLATT: Platt = { a: 1, b: 0 };

export function fitPlatt(margins: ArrayLike<number>, labels: ArrayLike<number>, iterations = 50): Platt {
  const n = margins.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i]! > 0 ? 1 : 0;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return IDENTITY_PLATT;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let it = 0; it < iterations; it++) {
    // gradient and Hessian of the log loss in (a, b)
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const m = margins[i]!;
      const t = labels[i]! > 0 ? hi : lo;
      const p = sigmoid(a * m + b);
      const d = p - t;
      const w = p * (1 - p);
      ga += d * m;
      gb += d;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (det <= 0) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}
