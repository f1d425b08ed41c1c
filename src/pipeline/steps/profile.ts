/**
 * Step `profile`: the candidate's validation rows through the candidate, as serving runs
 * them, counted per category, detected language, class and score (model/profile.ts): what
 * a policy with a base rate chooses its thresholds from. Inputs: the artifact and the split.
 */
import type { PolicyConfig } from "../../config.js";
import type { Engine } from "../../engine/engine.js";
import type { LabelledRow } from "../../eval/holdout.js";
import { scoreProfile, type ProfiledScore, type ScoreProfile } from "../../model/profile.js";
import { decodedOnce, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { candidateStep, validationRows } from "./evaluate.js";

const CODE = codeFingerprint(import.meta.url);

export function profileStep(calibrated: StepOutput, split: StepOutput, policy: PolicyConfig): Step {
  return candidateStep("profile", CODE, calibrated, split, policy, (engine, s) => profileOf(engine, validationRows(s)));
}

/** The profile of `engine` on labelled rows, each judged on its dataset's category (rows of a category the model lacks are left out). */
export function profileOf(engine: Engine, rows: readonly LabelledRow[]): ScoreProfile {
  const scores = function* (): Generator<ProfiledScore> {
    for (const row of rows) {
      if (!engine.categories.includes(row.task)) continue;
      const c = engine.classify(row.text);
      yield { category: row.task, lang: c.lang, score: c.categories[row.task]!, label: row.label };
    }
  };
  return scoreProfile(scores());
}

export const decodeProfile = decodedOnce((buf: Buffer): ScoreProfile => unpack(buf).json as ScoreProfile);
