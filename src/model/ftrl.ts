/**
 * FTRL-Proximal (McMahan et al. 2013) for a multi-head logistic model over hashed
 * features. Deterministic: the same examples in the same order give the same weights,
 * bit for bit (all state is Float64 and updates run in a fixed order).
 */
import type { SparseVector } from "../features/extract.js";
import { sigmoid } from "./linear.js";

export interface FtrlParams {
  readonly alpha: number;
  readonly beta: number;
  readonly l1: number;
  readonly l2: number;
}

export const DEFAULT_FTRL: FtrlParams = { alpha: 3, beta: 1, l1: 0, l2: 0 };

export class FtrlLearner {
  readonly params: FtrlParams;
  readonly heads: number;
  private readonly z: Float64Array;
  private readonly n: Float64Array;
  private readonly zBias: Float64Array;
  private readonly nBias: Float64Array;

  constructor(dimension: number, heads: number, params: FtrlParams = DEFAULT_FTRL) {
    for (const key of ["alpha", "beta", "l1", "l2"] as const) {
      const v = params[key];
      if (!(Number.isFinite(v) && v >= 0) || (key === "alpha" && v === 0)) {
        throw new RangeError(`ftrl.${key} must be a finite number ${key === "alpha" ? "> 0" : ">= 0"}. Got ${v}.`);
      }
    }
    this.params = params;
    this.heads = heads;
    this.z = new Float64Array(dimension * heads);
    this.n = new Float64Array(dimension * heads);
    this.zBias = new Float64Array(heads);
    this.nBias = new Float64Array(heads);
  }

  private weightAt(z: number, n: number, l1: number): number {
    const { alpha, beta, l2 } = this.params;
    if (Math.abs(z) <= l1) return 0;
    return -(z - Math.sign(z) * l1) / ((beta + Math.sqrt(n)) / alpha + l2);
  }

  /** Current margin of one head for x. */
  margin(x: SparseVector, head: number): number {
    const H = this.heads;
    let m = this.weightAt(this.zBias[head]!, this.nBias[head]!, 0);
    for (let k = 0; k < x.length; k++) {
      const i = x.indices[k]! * H + head;
      m += this.weightAt(this.z[i]!, this.n[i]!, this.params.l1) * x.values[k]!;
    }
    return m;
  }

  /** One logistic-loss step on (x, label) for one head, scaled by `weight`. Returns p before the step. */
  update(x: SparseVector, head: number, label: number, weight = 1): number {
    const H = this.heads;
    const { alpha, l1 } = this.params;
    const p = sigmoid(this.margin(x, head));
    const g = (p - label) * weight;
    if (g === 0) return p;
    for (let k = 0; k < x.length; k++) {
      const i = x.indices[k]! * H + head;
      const gi = g * x.values[k]!;
      const ni = this.n[i]!;
      const w = this.weightAt(this.z[i]!, ni, l1);
      const sigma = (Math.sqrt(ni + gi * gi) - Math.sqrt(ni)) / alpha;
      this.z[i] = this.z[i]! + gi - sigma * w;
      this.n[i] = ni + gi * gi;
    }
    const nb = this.nBias[head]!;
    const wb = this.weightAt(this.zBias[head]!, nb, 0);
    const sb = (Math.sqrt(nb + g * g) - Math.sqrt(nb)) / alpha;
    this.zBias[head] = this.zBias[head]! + g - sb * wb;
    this.nBias[head] = nb + g * g;
    return p;
  }

  /** The learned weights, interleaved by bucket as LinearModel expects. */
  weights(): { weights: Float32Array; bias: Float32Array } {
    const weights = new Float32Array(this.z.length);
    for (let i = 0; i < this.z.length; i++) weights[i] = this.weightAt(this.z[i]!, this.n[i]!, this.params.l1);
    const bias = new Float32Array(this.heads);
    for (let h = 0; h < this.heads; h++) bias[h] = this.weightAt(this.zBias[h]!, this.nBias[h]!, 0);
    return { weights, bias };
  }
}
