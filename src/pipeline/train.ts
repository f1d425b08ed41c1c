/**
 * Train the linear stage from labeled examples: normalize, carve a deterministic
 * validation split, fit every head with FTRL-Proximal (each example teaches only its
 * dataset's head), calibrate each head on validation, and report validation metrics
 * per dataset. Same examples and config → same weights, bit for bit.
 */
import type { TrainingConfig } from "../config.js";
import type { Example } from "../data/datasets.js";
import { WardenError } from "../errors.js";
import { binaryMetrics, type BinaryMetrics } from "../eval/metrics.js";
import { FeatureExtractor, SparseVector } from "../features/extract.js";
import { hashString } from "../features/hash.js";
import { fitPlatt } from "../model/calibrate.js";
import { FtrlLearner } from "../model/ftrl.js";
import { LinearModel, sigmoid, type Platt } from "../model/linear.js";
import { seededPermutation } from "../model/shuffle.js";
import { normalize } from "../text/normalize.js";

export interface TrainResult {
  readonly model: LinearModel;
  readonly trainCount: number;
  readonly validationCount: number;
  /** Validation metrics per dataset (calibrated scores, threshold 0.5). */
  readonly validation: Record<string, BinaryMetrics>;
}

export type Progress = (stage: string, done: number, total: number) => void;

/** Whether an example (by its normalized text) belongs to the validation split. */
export function isValidation(normalizedText: string, share: number, seed: number): boolean {
  return hashString(normalizedText, seed) % 10_000 < share * 10_000;
}

function classWeights(examples: readonly Example[], train: readonly number[], mode: TrainingConfig["classWeight"]): Map<string, [number, number]> {
  const counts = new Map<string, [number, number]>();
  for (const i of train) {
    const e = examples[i]!;
    const c = counts.get(e.dataset) ?? [0, 0];
    c[e.label]++;
    counts.set(e.dataset, c);
  }
  const weights = new Map<string, [number, number]>();
  for (const [name, [neg, pos]] of counts) {
    if (mode === "none" || neg === 0 || pos === 0) weights.set(name, [1, 1]);
    else weights.set(name, [(neg + pos) / (2 * neg), (neg + pos) / (2 * pos)]);
  }
  return weights;
}

export function trainLinear(examples: readonly Example[], config: TrainingConfig, progress: Progress = () => {}): TrainResult {
  const heads = config.heads;
  const headOf = examples.map((e) => {
    const h = heads.indexOf(e.task);
    if (h < 0) {
      throw new WardenError("CONFIG_INVALID", `dataset ${e.dataset} teaches head "${e.task}", which training.heads (${heads.join(", ")}) does not list; add it.`);
    }
    return h;
  });
  const normalized = examples.map((e) => normalize(e.text).text);
  const train: number[] = [];
  const validation: number[] = [];
  normalized.forEach((t, i) => (isValidation(t, config.validationShare, config.seed) ? validation : train).push(i));
  if (train.length === 0) throw new WardenError("DATA_CONTRACT", "no training examples left after the validation split.");

  const extractor = new FeatureExtractor(config.features);
  const learner = new FtrlLearner(extractor.dimension, heads.length, config.ftrl);
  const weights = classWeights(examples, train, config.classWeight);
  const x = new SparseVector();
  const total = train.length * config.epochs;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = seededPermutation(train.length, config.seed * 1000 + epoch);
    for (let k = 0; k < order.length; k++) {
      const i = train[order[k]!]!;
      const e = examples[i]!;
      extractor.extract(normalized[i]!, x);
      learner.update(x, headOf[i]!, e.label, weights.get(e.dataset)![e.label]);
      if ((k & 0x3fff) === 0) progress("train", epoch * order.length + k, total);
    }
  }
  progress("train", total, total);
  const { weights: w, bias } = learner.weights();
  const raw = new LinearModel({ heads, features: config.features, weights: w, bias, calibration: heads.map(() => ({ a: 1, b: 0 })) });

  // Calibrate each head on the validation margins of the datasets that teach it.
  const margins = new Float64Array(heads.length);
  const valMargin = new Float64Array(validation.length);
  validation.forEach((i, k) => {
    extractor.extract(normalized[i]!, x);
    raw.margins(x, margins);
    valMargin[k] = margins[headOf[i]!]!;
  });
  const calibration: Platt[] = heads.map((_, h) => {
    const idx = validation.map((_, k) => k).filter((k) => headOf[validation[k]!] === h);
    return fitPlatt(
      idx.map((k) => valMargin[k]!),
      idx.map((k) => examples[validation[k]!]!.label),
    );
  });
  const model = new LinearModel({ heads, features: config.features, weights: w, bias, calibration });

  const byDataset = new Map<string, { scores: number[]; labels: number[] }>();
  validation.forEach((i, k) => {
    const e = examples[i]!;
    const c = calibration[headOf[i]!]!;
    const slot = byDataset.get(e.dataset) ?? { scores: [], labels: [] };
    slot.scores.push(sigmoid(c.a * valMargin[k]! + c.b));
    slot.labels.push(e.label);
    byDataset.set(e.dataset, slot);
  });
  const metrics: Record<string, BinaryMetrics> = {};
  for (const name of [...byDataset.keys()].sort()) {
    const s = byDataset.get(name)!;
    metrics[name] = binaryMetrics(s.scores, s.labels);
  }
  return { model, trainCount: train.length, validationCount: validation.length, validation: metrics };
}
