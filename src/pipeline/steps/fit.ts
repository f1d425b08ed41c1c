/**
 * Step `train` (and `train-stage2`, the same fit with stage 2's features): fit the
 * classifier heads with FTRL-Proximal (train.ts `fitStage`).
 * Inputs: split and language outputs. Params: what the fit reads from the training
 * config. The output is the weights alone: FTRL's z and n are not needed afterwards.
 */
import type { TrainingConfig } from "../../config.js";
import { pack, unpack } from "../codec.js";
import { workerSource } from "../featurize.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { fitStage, type FitStage, type Progress } from "../train.js";
import { decodeLanguage } from "./language.js";
import { decodeSplit } from "./split.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

export function fitStep(split: StepOutput, language: StepOutput, config: TrainingConfig, name = "train"): Step {
  const { heads, epochs, seed, classWeight, features, ftrl, datasetWeights, averageSnapshots } = config;
  return {
    name,
    version: 1,
    code: CODE,
    // datasetWeights and averageSnapshots only when set: the keys of earlier runs stay valid.
    params: { heads, epochs, seed, classWeight, features, ftrl, ...(datasetWeights ? { datasetWeights } : {}), ...(averageSnapshots ? { averageSnapshots } : {}) },
    inputs: { split: split.sha256, language: language.sha256 },
    run(progress: Progress): Buffer {
      // Features on a second thread while this one learns: same vectors, same weights, less wall time.
      const fit = fitStage(decodeSplit(split.payload).split, decodeLanguage(language.payload), config, progress, workerSource);
      return pack({ json: {}, columns: { weights: fit.weights, bias: fit.bias } });
    },
  };
}

export function decodeFit(buf: Buffer): FitStage {
  const { columns } = unpack(buf);
  return { weights: columns.weights as Float32Array, bias: columns.bias as Float32Array };
}
