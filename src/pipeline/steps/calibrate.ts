/**
 * Step `calibrate`: Platt scaling and flag thresholds per head and language on the
 * validation split (train.ts `calibrateStage`), for stage 2 too when the config has one,
 * and the cascade's band (train.ts `cascadeBand`); then the artifact itself. Its output
 * is the model file, byte for byte what is registered and exported.
 */
import type { TrainingConfig } from "../../config.js";
import { serializeModel } from "../../model/artifact.js";
import { LanguageModel } from "../../model/langid.js";
import { quantizeInt8, toFloat32 } from "../../model/quantize.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { calibrateStage, cascadeBand, languageState, stage2Training, type FitStage } from "../train.js";
import { decodeFit } from "./fit.js";
import { decodeLanguage } from "./language.js";
import { decodeSplit } from "./split.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

/** Bumped when training code changes what the same data and config produce (it is in every artifact's meta). */
export const TRAINER_VERSION = "linear-ftrl/1";

export function calibrateStep(split: StepOutput, language: StepOutput, fit: StepOutput, config: TrainingConfig, fit2?: StepOutput): Step {
  return {
    name: "calibrate",
    version: 1,
    code: CODE,
    params: { trainer: TRAINER_VERSION, training: config },
    inputs: { split: split.sha256, language: language.sha256, train: fit.sha256, ...(fit2 ? { train2: fit2.sha256 } : {}) },
    run(): Buffer {
      const { split: s, datasets } = decodeSplit(split.payload);
      const int8 = config.quantize === "int8";
      const fitted = decodeFit(fit.payload);
      const float = decodeLanguage(language.payload);
      // Quantized: calibration and thresholds are fitted to the weights serving will use.
      const lang = int8 ? { ...float, model: new LanguageModel({ ...languageState(float.model), weights: quantizeInt8(toFloat32(float.model.weights)) }) } : float;
      const served = (f: FitStage): FitStage | { weights: ReturnType<typeof quantizeInt8>; bias: Float32Array } => (int8 ? { ...f, weights: quantizeInt8(f.weights) } : f);
      const { classifier, validation } = calibrateStage(s, lang, served(fitted), config);
      const second = stage2Training(config);
      const calibrated2 = second && fit2 ? calibrateStage(s, lang, served(decodeFit(fit2.payload)), second) : undefined;
      const stage2 = calibrated2 && { classifier: calibrated2.classifier, band: cascadeBand(s, lang, classifier, config, config.stage2!.share) };
      // The artifact holds only what determines its bytes: no timestamps, no absolute paths.
      const meta = {
        trainer: TRAINER_VERSION,
        training: config,
        datasets,
        counts: { train: s.train.length, validation: s.validation.length },
        validation,
        ...(calibrated2 ? { validationStage2: calibrated2.validation } : {}),
      };
      return serializeModel({ normalization: s.normalization, lexicon: s.lexicon, classifier, language: lang.model, ...(stage2 ? { stage2 } : {}) }, meta, int8 ? "int8" : "f32");
    },
  };
}
