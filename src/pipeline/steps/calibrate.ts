/**
 * Step `calibrate`: Platt scaling and flag thresholds per head and language on the
 * validation split (train.ts `calibrateStage`), then the artifact itself. Its output
 * is the model file, byte for byte what is registered and exported.
 */
import type { TrainingConfig } from "../../config.js";
import { serializeModel } from "../../model/artifact.js";
import { LanguageModel } from "../../model/langid.js";
import { quantizeInt8, toFloat32 } from "../../model/quantize.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { calibrateStage, languageState } from "../train.js";
import { decodeFit } from "./fit.js";
import { decodeLanguage } from "./language.js";
import { decodeSplit } from "./split.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

/** Bumped when training code changes what the same data and config produce (it is in every artifact's meta). */
export const TRAINER_VERSION = "linear-ftrl/1";

export function calibrateStep(split: StepOutput, language: StepOutput, fit: StepOutput, config: TrainingConfig): Step {
  return {
    name: "calibrate",
    version: 1,
    code: CODE,
    params: { trainer: TRAINER_VERSION, training: config },
    inputs: { split: split.sha256, language: language.sha256, train: fit.sha256 },
    run(): Buffer {
      const { split: s, datasets } = decodeSplit(split.payload);
      const int8 = config.quantize === "int8";
      const fitted = decodeFit(fit.payload);
      const float = decodeLanguage(language.payload);
      // Quantized: calibration and thresholds are fitted to the weights serving will use.
      const lang = int8 ? { ...float, model: new LanguageModel({ ...languageState(float.model), weights: quantizeInt8(toFloat32(float.model.weights)) }) } : float;
      const { classifier, validation } = calibrateStage(s, lang, int8 ? { ...fitted, weights: quantizeInt8(fitted.weights) } : fitted, config);
      // The artifact holds only what determines its bytes: no timestamps, no absolute paths.
      const meta = {
        trainer: TRAINER_VERSION,
        training: config,
        datasets,
        counts: { train: s.train.length, validation: s.validation.length },
        validation,
      };
      return serializeModel({ normalization: s.normalization, lexicon: s.lexicon, classifier, language: lang.model }, meta, int8 ? "int8" : "f32");
    },
  };
}
