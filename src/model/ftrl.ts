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
  /**
   * z and n of each (bucket, head), side by side (z at 2i, n at 2i + 1): an update reads
   * both for every feature, and on a 2^20-bucket model each read is a cache miss, so one
   * line instead of two halves the misses of the training loop's hottest part.
   */
  private readonly zn: Float64Array;
  private readonly zBias: Float64Array;
  private readonly nBias: Float64Array;
  /** Per feature of the example being learned: its weight and sqrt(n), from the margin pass. */
  private wScratch = new Float64Array(256);
  private sqrtNScratch = new Float64Array(256);

  constructor(dimension: number, heads: number, params: FtrlParams = DEFAULT_FTRL) {
    for (const key of ["alpha", "beta", "l1", "l2"] as const) {
      const v = params[key];
      if (!(Number.isFinite(v) && v >= 0) || (key === "alpha" && v === 0)) {
        throw new RangeError(`ftrl.${key} must be a finite number ${key === "alpha" ? "> 0" : ">= 0"}. Got ${v}.`);
      }
    }
    this.params = params;
    this.heads = heads;
    this.zn = new Float64Array(2 * dimension * heads);
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
      const i = 2 * (x.indices[k]! * H + head);
      m += this.weightAt(this.zn[i]!, this.zn[i + 1]!, this.params.l1) * x.values[k]!;
    }
    return m;
  }

  /**
   * One logistic-loss step on (x, label) for one head, scaled by `weight`. Returns p before
   * the step. x's indices must be unique (FeatureExtractor makes them so): each feature's
   * weight and sqrt(n) are computed once, for the margin, and reused by its update,
   * which gives the same numbers as computing them twice, at half the cost.
   */
  update(x: SparseVector, head: number, label: number, weight = 1): number {
    const H = this.heads;
    const { alpha, beta, l1, l2 } = this.params;
    const zn = this.zn;
    const count = x.length;
    if (this.wScratch.length < count) {
      this.wScratch = new Float64Array(count * 2);
      this.sqrtNScratch = new Float64Array(count * 2);
    }
    const ws = this.wScratch;
    const sqrtN = this.sqrtNScratch;
    const idx = x.indices;
    const val = x.values;
    // The margin, as margin() computes it (same operations, same order).
    let m = this.weightAt(this.zBias[head]!, this.nBias[head]!, 0);
    for (let k = 0; k < count; k++) {
      const i = 2 * (idx[k]! * H + head);
      const z = zn[i]!;
      const sn = Math.sqrt(zn[i + 1]!);
      const w = Math.abs(z) <= l1 ? 0 : -(z - Math.sign(z) * l1) / ((beta + sn) / alpha + l2);
      ws[k] = w;
      sqrtN[k] = sn;
      m += w * val[k]!;
    }
    const p = sigmoid(m);
    const g = (p - label) * weight;
    if (g === 0) return p;
    for (let k = 0; k < count; k++) {
      const i = 2 * (idx[k]! * H + head);
      const gi = g * val[k]!;
      const ni = zn[i + 1]!;
      const sigma = (Math.sqrt(ni + gi * gi) - sqrtN[k]!) / alpha;
      zn[i] = zn[i]! + gi - sigma * ws[k]!;
      zn[i + 1] = ni + gi * gi;
    }
    const nb = this.nBias[head]!;
    const wb = this.weightAt(this.zBias[head]!, nb, 0);
    const sb = (Math.sqrt(nb + g * g) - Math.sqrt(nb)) / alpha;
    this.zBias[head] = this.zBias[head]! + g - sb * wb;
    this.nBias[head] = nb + g * g;
    return p;
  }

  /**
   * The learned weights, interleaved by bucket as LinearModel expects; written into `into`
   * when given (snapshots taken again and again reuse one table of 2^bits × heads).
   */
  weights(into?: { readonly weights: Float32Array; readonly bias: Float32Array }): { readonly weights: Float32Array; readonly bias: Float32Array } {
    const weights = into?.weights ?? new Float32Array(this.zn.length / 2);
    for (let i = 0; i < weights.length; i++) weights[i] = this.weightAt(this.zn[2 * i]!, this.zn[2 * i + 1]!, this.params.l1);
    const bias = into?.bias ?? new Float32Array(this.heads);
    for (let h = 0; h < this.heads; h++) bias[h] = this.weightAt(this.zBias[h]!, this.nBias[h]!, 0);
    return { weights, bias };
  }
}
