/**
 * Train a model from labeled examples: normalize, carve a deterministic validation
 * split, fit the language identifier, fit every classifier head with FTRL-Proximal
 * (each example teaches only its dataset's head; features are shared across languages
 * and also namespaced per language), calibrate per head and per language on
 * validation, and report validation metrics per dataset.
 * Same examples and config → same weights, bit for bit.
 */
import type { TrainingConfig } from "../config.js";
import type { Example } from "../data/datasets.js";
import { WardenError } from "../errors.js";
import { binaryMetrics, type BinaryMetrics } from "../eval/metrics.js";
import { FeatureExtractor, SparseVector } from "../features/extract.js";
import { hashString } from "../features/hash.js";
import type { WardenModel } from "../model/bundle.js";
import { languageNamespace } from "../model/bundle.js";
import { IDENTITY_PLATT, fitPlatt } from "../model/calibrate.js";
import { FtrlLearner } from "../model/ftrl.js";
import { LinearModel, sigmoid, type Platt } from "../model/linear.js";
import { trainLanguageModel } from "../model/langid.js";
import { seededPermutation } from "../model/shuffle.js";
import { buildLexicon } from "../text/lexicon.js";
import { evasionFlags, normalize } from "../text/normalize.js";

export interface TrainResult {
  readonly model: WardenModel;
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

/** Thresholds whose validation F1 is this close to the best count as equally good. */
const F1_PLATEAU = 0.01;

/** Per-language calibration needs this much validation data of the language, per class. */
const MIN_LANGUAGE_CALIBRATION_PER_CLASS = 30;

export function trainModel(examples: readonly Example[], config: TrainingConfig, progress: Progress = () => {}): TrainResult {
  const heads = config.heads;
  const headOf = examples.map((e) => {
    const h = heads.indexOf(e.task);
    if (h < 0) {
      throw new WardenError("CONFIG_INVALID", `dataset ${e.dataset} teaches head "${e.task}", which training.heads (${heads.join(", ")}) does not list; add it.`);
    }
    return h;
  });
  // The split is decided on rule-normalized text, so it does not depend on the lexicon.
  const level = config.normalization;
  const firstPass = examples.map((e) => normalize(e.text, undefined, level));
  const train: number[] = [];
  const validation: number[] = [];
  firstPass.forEach((n, i) => (isValidation(n.text, config.validationShare, config.seed) ? validation : train).push(i));
  if (train.length === 0) throw new WardenError("DATA_CONTRACT", "no training examples left after the validation split.");
  // The lexicon (known words of the training split) then settles ambiguous obfuscation;
  // only texts with something it could settle are normalized again.
  const lexicon = buildLexicon(train.map((i) => firstPass[i]!.text));
  const final = examples.map((e, i) => (firstPass[i]!.signals.ambiguous > 0 ? normalize(e.text, lexicon, level) : firstPass[i]!));
  const normalized = final.map((n) => n.text);
  const evasion = final.map((n) => (config.features.evasionFeatures ? evasionFlags(n.signals) : 0));

  // Language first: the classifier's per-language features and calibration are keyed by
  // what the language model says, in training exactly as in serving.
  progress("language", 0, 1);
  const language = trainLanguageModel(
    train.map((i) => normalized[i]!),
    train.map((i) => examples[i]!.lang),
  );
  const langOf = normalized.map((t) => language.identify(t).lang);
  const ns = langOf.map((l) => (config.features.languageFeatures ? languageNamespace(l) : 0));
  progress("language", 1, 1);

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
      extractor.extract(normalized[i]!, x, undefined, ns[i], evasion[i]);
      learner.update(x, headOf[i]!, e.label, weights.get(e.dataset)![e.label]);
      if ((k & 0x3fff) === 0) progress("train", epoch * order.length + k, total);
    }
  }
  progress("train", total, total);
  const { weights: w, bias } = learner.weights();

  // Calibrate each head on the validation margins of the datasets that teach it, and
  // each (language, head) where the language has enough validation data of both classes.
  const uncalibrated = new LinearModel({ heads, features: config.features, weights: w, bias, calibration: heads.map(() => IDENTITY_PLATT) });
  const margins = new Float64Array(heads.length);
  const valMargin = validation.map((i) => {
    extractor.extract(normalized[i]!, x, undefined, ns[i], evasion[i]);
    uncalibrated.margins(x, margins);
    return margins[headOf[i]!]!;
  });
  const rows = (keep: (i: number) => boolean): number[] => validation.map((_, k) => k).filter((k) => keep(validation[k]!));
  const enough = (ks: number[]): boolean => {
    const pos = ks.reduce((a, k) => a + examples[validation[k]!]!.label, 0);
    return pos >= MIN_LANGUAGE_CALIBRATION_PER_CLASS && ks.length - pos >= MIN_LANGUAGE_CALIBRATION_PER_CLASS;
  };
  const fit = (ks: number[]): Platt => fitPlatt(ks.map((k) => valMargin[k]!), ks.map((k) => examples[validation[k]!]!.label));
  const headRows = heads.map((_, h) => rows((i) => headOf[i] === h));
  const calibration = headRows.map((ks) => (enough(ks) ? fit(ks) : IDENTITY_PLATT));
  const thresholds = headRows.map((ks, h) => (enough(ks) ? bestF1Threshold(ks, calibration[h]!) : 0.5));
  const languageCalibration: Record<string, Array<Platt | null>> = {};
  const languageThresholds: Record<string, Array<number | null>> = {};
  for (const lang of [...new Set(validation.map((i) => langOf[i]!))].sort()) {
    const perHead = heads.map((_, h) => rows((i) => headOf[i] === h && langOf[i] === lang));
    if (!perHead.some(enough)) continue;
    const platts = perHead.map((ks) => (enough(ks) ? fit(ks) : null));
    languageCalibration[lang] = platts;
    languageThresholds[lang] = perHead.map((ks, h) => (platts[h] ? bestF1Threshold(ks, platts[h]!) : null));
  }
  /**
   * The flag threshold for one head (and language): the middle of the thresholds whose
   * validation F1 is within one point of the best. The F1 curve is often flat near its
   * top, and its exact argmax jumps between retrainings; the middle of the plateau does not.
   */
  function bestF1Threshold(ks: number[], platt: Platt): number {
    const scores = ks.map((k) => sigmoid(platt.a * valMargin[k]! + platt.b));
    const labels = ks.map((k) => examples[validation[k]!]!.label);
    const grid: Array<[threshold: number, f1: number]> = [];
    for (let step = 0; step <= 32; step++) {
      const t = Math.round((0.1 + step * 0.025) * 1000) / 1000;
      grid.push([t, binaryMetrics(scores, labels, t).f1]);
    }
    const top = Math.max(...grid.map(([, f1]) => f1));
    const plateau = grid.filter(([, f1]) => f1 >= top - F1_PLATEAU).map(([t]) => t);
    return plateau[Math.floor((plateau.length - 1) / 2)]!;
  }
  const classifier = new LinearModel({
    heads,
    features: config.features,
    weights: w,
    bias,
    calibration,
    languageCalibration,
    thresholds,
    languageThresholds,
  });

  const byDataset = new Map<string, { scores: number[]; labels: number[]; thresholds: number[] }>();
  validation.forEach((i, k) => {
    const e = examples[i]!;
    const c = classifier.calibrationFor(headOf[i]!, langOf[i]!);
    const slot = byDataset.get(e.dataset) ?? { scores: [], labels: [], thresholds: [] };
    slot.scores.push(sigmoid(c.a * valMargin[k]! + c.b));
    slot.labels.push(e.label);
    slot.thresholds.push(classifier.thresholdFor(headOf[i]!, langOf[i]!));
    byDataset.set(e.dataset, slot);
  });
  const metrics: Record<string, BinaryMetrics> = {};
  for (const name of [...byDataset.keys()].sort()) {
    const s = byDataset.get(name)!;
    metrics[name] = binaryMetrics(s.scores, s.labels, s.thresholds);
  }
  return { model: { normalization: level, lexicon, classifier, language }, trainCount: train.length, validationCount: validation.length, validation: metrics };
}
