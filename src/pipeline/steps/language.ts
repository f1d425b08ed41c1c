/**
 * Step `language`: fit the language identifier on the training split and identify every
 * row (train.ts `languageStage`). Input: split's output.
 */
import { toFloat32 } from "../../model/quantize.js";
import type { FeatureConfig } from "../../features/extract.js";
import { DEFAULT_LANGID_TRAINING, LanguageModel } from "../../model/langid.js";
import { decodedOnce, pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import { mapOnTwoThreads } from "../parallel.js";
import type { Step, StepOutput } from "../runner.js";
import { IDENTIFY_TASK, fitLanguage, languageState, type LanguageStage, type Progress } from "../train.js";
import { decodeSplit } from "./split.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

export function languageStep(split: StepOutput, extraLanguages: readonly string[]): Step {
  return {
    name: "language",
    version: 1,
    code: CODE,
    params: { ...DEFAULT_LANGID_TRAINING, extraLanguages },
    inputs: { split: split.sha256 },
    // languageStage's parts, identification on two threads.
    async run(progress: Progress): Promise<Buffer> {
      const s = decodeSplit(split.payload).split;
      progress("language", 0, s.rows);
      const model = fitLanguage(s, extraLanguages);
      const langOf = await mapOnTwoThreads<string, string>(IDENTIFY_TASK, s.normalized, languageState(model), (d, t) => progress("language", d, t));
      return encodeLanguage({ model, langOf });
    },
  };
}

function encodeLanguage({ model, langOf }: LanguageStage): Buffer {
  const answers = [...new Set(langOf)].sort();
  const index = new Map(answers.map((l, i) => [l, i]));
  return pack({
    json: { labels: model.labels, features: model.features, minConfidence: model.minConfidence, answers },
    columns: { weights: toFloat32(model.weights), bias: model.bias, langOf: Uint16Array.from(langOf, (l) => index.get(l)!) },
  });
}

export const decodeLanguage = decodedOnce((buf: Buffer): LanguageStage => {
  const { json, columns } = unpack(buf);
  const j = json as { labels: string[]; features: FeatureConfig; minConfidence: number; answers: string[] };
  const model = new LanguageModel({ labels: j.labels, features: j.features, minConfidence: j.minConfidence, weights: columns.weights as Float32Array, bias: columns.bias as Float32Array });
  return { model, langOf: Array.from(columns.langOf!, (l) => j.answers[l]!) };
});
