/**
 * Step `calibrate`: Platt scaling and flag thresholds per head and language on the
 * validation split (train.ts `calibrateStage`), for stage 2 too when the config has one,
 * and the cascade's band (train.ts `secondStage`); then the artifact itself. Its output
 * is the model file, byte for byte what is registered and exported.
 */
import type { TrainingConfig } from "../../config.js";
import { serializeModel } from "../../model/artifact.js";
import { LanguageModel } from "../../model/langid.js";
import { quantizeInt8, toFloat32 } from "../../model/quantize.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { calibrateStage, languageState, secondStage, type FitStage } from "../train.js";
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
      const served = (f: FitStage) => ({ bias: f.bias, weights: int8 ? quantizeInt8(f.weights) : f.weights });
      const { classifier, validation } = calibrateStage(s, lang, served(fitted), config);
      const second = fit2 ? secondStage(s, lang, served(decodeFit(fit2.payload)), classifier, config) : null;
      // The artifact holds only what determines its bytes: no timestamps, no absolute paths.
      const meta = {
        trainer: TRAINER_VERSION,
        training: config,
        datasets,
        counts: { train: s.train.length, validation: s.validation.length },
        validation,
        ...(second ? { validationStage2: second.validation } : {}),
      };
      return serializeModel({ normalization: s.normalization, lexicon: s.lexicon, classifier, language: lang.model, ...(second ? { stage2: second.stage } : {}) }, meta, int8 ? "int8" : "f32");
    },
  };
}
