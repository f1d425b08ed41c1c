/**
 * Language identification as a small multinomial logistic model over hashed character
 * 1–3-grams and words of the normalized text (2^16 buckets), trained by the pipeline
 * on the languages of the training data. Cheap enough to run on every message
 * (one small feature pass and a dot product per language) and consistent between
 * training and serving, which matters because the classifier's per-language features
 * and calibration are keyed by its answer.
 */
import { FeatureExtractor, SparseVector, type FeatureConfig } from "../features/extract.js";
import { sparseDot, tableLength, type WeightTable } from "./quantize.js";
import { seededPermutation } from "./shuffle.js";

export const LANGID_FEATURES: FeatureConfig = { bits: 16, charMin: 1, charMax: 3, wordNgrams: 1 };
export const UNKNOWN_LANG = "unknown";
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;

export interface LanguageModelState {
  readonly labels: readonly string[];
  readonly features: FeatureConfig;
  /** weights[bucket * L + label] */
  readonly weights: WeightTable;
  readonly bias: Float32Array;
  /** Below this top probability the answer is "unknown". */
  readonly minConfidence: number;
}

export interface LanguageGuess {
  readonly lang: string;
  readonly confidence: number;
}

export class LanguageModel {
  readonly labels: readonly string[];
  readonly features: FeatureConfig;
  readonly weights: WeightTable;
  readonly bias: Float32Array;
  readonly minConfidence: number;
  private readonly extractor: FeatureExtractor;
  private readonly x = new SparseVector();
  private readonly scores: Float64Array;

  constructor(state: LanguageModelState) {
    const expected = (1 << state.features.bits) * state.labels.length;
    if (tableLength(state.weights) !== expected) {
      throw new RangeError(`language model weights must have 2^bits * labels = ${expected} entries. Got ${tableLength(state.weights)}.`);
    }
    this.labels = state.labels;
    this.features = state.features;
    this.weights = state.weights;
    this.bias = state.bias;
    this.minConfidence = state.minConfidence;
    this.extractor = new FeatureExtractor(state.features);
    this.scores = new Float64Array(state.labels.length);
  }

  /** The most likely language of normalized text, or "unknown" below the confidence floor. */
  identify(normalizedText: string): LanguageGuess {
    if (!/[\p{L}]/u.test(normalizedText)) return { lang: UNKNOWN_LANG, confidence: 0 };
    // Kana is written only in Japanese: no training data needed to know it.
    if (KANA.test(normalizedText)) return { lang: "ja", confidence: 1 };
    this.extractor.extract(normalizedText, this.x);
    const { best, confidence } = softmaxArgmax(this.x, this.weights, this.bias, this.scores);
    return confidence < this.minConfidence ? { lang: UNKNOWN_LANG, confidence } : { lang: this.labels[best]!, confidence };
  }
}

/** Fills `scores` with softmax probabilities; returns the argmax and its probability. */
function softmaxArgmax(x: SparseVector, w: WeightTable, bias: Float32Array, scores: Float64Array): { best: number; confidence: number } {
  const L = bias.length;
  sparseDot(x, w, bias, scores);
  let max = -Infinity;
  let best = 0;
  for (let l = 0; l < L; l++) {
    if (scores[l]! > max) {
      max = scores[l]!;
      best = l;
    }
  }
  let sum = 0;
  for (let l = 0; l < L; l++) {
    scores[l] = Math.exp(scores[l]! - max);
    sum += scores[l]!;
  }
  for (let l = 0; l < L; l++) scores[l]! /= sum;
  return { best, confidence: scores[best]! };
}

export interface LanguageTrainingOptions {
  readonly epochs: number;
  readonly seed: number;
  readonly learningRate: number;
  readonly minConfidence: number;
  /** Cap on examples per language (the first ones in a seeded order): langid needs far fewer than the classifier. */
  readonly maxPerLanguage: number;
}

export const DEFAULT_LANGID_TRAINING: LanguageTrainingOptions = { epochs: 2, seed: 7, learningRate: 0.5, minConfidence: 0.3, maxPerLanguage: 6000 };

/**
 * Train by AdaGrad on the softmax loss; each language's examples are weighted so every
 * language counts the same in total (English would otherwise swallow Danish).
 */
export function trainLanguageModel(
  texts: readonly string[],
  langs: readonly string[],
  options: LanguageTrainingOptions = DEFAULT_LANGID_TRAINING,
): LanguageModel {
  const labels = [...new Set(langs)].filter((l) => l !== UNKNOWN_LANG).sort();
  const L = labels.length;
  const labelOf = new Map(labels.map((l, i) => [l, i]));
  const extractor = new FeatureExtractor(LANGID_FEATURES);
  const dim = extractor.dimension;
  const w = new Float32Array(dim * L);
  const g2 = new Float32Array(dim * L);
  const bias = new Float32Array(L);
  const g2b = new Float64Array(L);
  const scores = new Float64Array(L);
  const x = new SparseVector();
  // A seeded sample of at most maxPerLanguage examples per language.
  const taken = new Float64Array(L);
  const sample: number[] = [];
  for (const i of seededPermutation(texts.length, options.seed)) {
    const y = labelOf.get(langs[i]!);
    if (y === undefined || taken[y]! >= options.maxPerLanguage) continue;
    taken[y]!++;
    sample.push(i);
  }
  const meanCount = sample.length / Math.max(1, L);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = seededPermutation(sample.length, options.seed * 1000 + epoch + 1);
    for (let k = 0; k < order.length; k++) {
      const i = sample[order[k]!]!;
      const y = labelOf.get(langs[i]!)!;
      extractor.extract(texts[i]!, x);
      softmaxArgmax(x, w, bias, scores);
      const weight = Math.min(10, meanCount / taken[y]!);
      for (let l = 0; l < L; l++) {
        const g = (scores[l]! - (l === y ? 1 : 0)) * weight;
        if (Math.abs(g) < 1e-6) continue;
        for (let f = 0; f < x.length; f++) {
          const j = x.indices[f]! * L + l;
          const gi = g * x.values[f]!;
          g2[j]! += gi * gi;
          w[j]! -= (options.learningRate * gi) / Math.sqrt(g2[j]! + 1e-8);
        }
        g2b[l]! += g * g;
        bias[l]! -= (options.learningRate * g) / Math.sqrt(g2b[l]! + 1e-8);
      }
    }
  }
  return new LanguageModel({ labels, features: LANGID_FEATURES, weights: w, bias, minConfidence: options.minConfidence });
}
