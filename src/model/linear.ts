/**
 * A multi-label linear model over hashed features: one logistic head per category.
 *
 * Weights are interleaved by bucket (weights[bucket * H + head]) so that scoring all
 * heads touches one cache line per feature. Scores are calibrated per head by Platt
 * scaling: p = sigmoid(a * margin + b).
 */
import type { FeatureConfig, SparseVector } from "../features/extract.js";
import { sparseDot, tableLength, weightAt, type WeightTable } from "./quantize.js";

export interface Platt {
  readonly a: number;
  readonly b: number;
}

export interface LinearModelState {
  readonly heads: readonly string[];
  readonly features: FeatureConfig;
  readonly weights: WeightTable;
  readonly bias: Float32Array;
  readonly calibration: readonly Platt[];
  /** Per language, per head: a calibration fitted on that language's validation data (null: use the head's). */
  readonly languageCalibration?: Readonly<Record<string, ReadonlyArray<Platt | null>>>;
  /**
   * Per head, the flag threshold on the calibrated score: half the best validation F1 (train.ts);
   * per language where it had enough data. The policy uses them unless configured.
   */
  readonly thresholds?: readonly number[];
  readonly languageThresholds?: Readonly<Record<string, ReadonlyArray<number | null>>>;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export class LinearModel {
  readonly heads: readonly string[];
  readonly features: FeatureConfig;
  readonly weights: WeightTable;
  readonly bias: Float32Array;
  readonly calibration: readonly Platt[];
  readonly languageCalibration: Readonly<Record<string, ReadonlyArray<Platt | null>>>;
  readonly thresholds: readonly number[];
  readonly languageThresholds: Readonly<Record<string, ReadonlyArray<number | null>>>;

  constructor(state: LinearModelState) {
    const H = state.heads.length;
    const expected = (1 << state.features.bits) * H;
    if (tableLength(state.weights) !== expected) {
      throw new RangeError(`model weights must have 2^bits * heads = ${expected} entries. Got ${tableLength(state.weights)}.`);
    }
    if (state.bias.length !== H || state.calibration.length !== H) {
      throw new RangeError(`model bias and calibration need one entry per head (${H}).`);
    }
    this.heads = state.heads;
    this.features = state.features;
    this.weights = state.weights;
    this.bias = state.bias;
    this.calibration = state.calibration;
    this.languageCalibration = state.languageCalibration ?? {};
    this.thresholds = state.thresholds ?? state.heads.map(() => 0.5);
    this.languageThresholds = state.languageThresholds ?? {};
  }

  /** The validated flag threshold of `head` for text in `lang`. */
  thresholdFor(head: number, lang: string): number {
    return this.languageThresholds[lang]?.[head] ?? this.thresholds[head]!;
  }

  /** The calibration of `head` for text in `lang`. */
  calibrationFor(head: number, lang: string): Platt {
    return this.languageCalibration[lang]?.[head] ?? this.calibration[head]!;
  }

  /** Raw margins (before calibration) of every head into `out`. */
  margins(x: SparseVector, out: Float64Array): void {
    sparseDot(x, this.weights, this.bias, out);
  }

  /** Calibrated probabilities of every head into `out`, for text identified as `lang`. */
  predict(x: SparseVector, lang: string, out: Float64Array): void {
    this.margins(x, out);
    for (let h = 0; h < this.heads.length; h++) {
      const c = this.calibrationFor(h, lang);
      out[h] = sigmoid(c.a * out[h]! + c.b);
    }
  }

  /** The weight of bucket `index` for head `head`. */
  weight(index: number, head: number): number {
    return weightAt(this.weights, index * this.heads.length + head);
  }
}
