/**
 * Step `reference`: the candidate's validation texts through the candidate, counted as
 * the window monitoring compares live traffic with (monitor/reference.ts). Inputs: the
 * artifact and the split.
 */
import type { PolicyConfig } from "../../config.js";
import { referenceSnapshot } from "../../monitor/reference.js";
import type { WindowSnapshot } from "../../monitor/window.js";
import { decodedOnce, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { candidateStep } from "./evaluate.js";

const CODE = codeFingerprint(import.meta.url);

export function referenceStep(calibrated: StepOutput, split: StepOutput, policy: PolicyConfig): Step {
  return candidateStep("reference", CODE, calibrated, split, policy, (engine, s) => referenceSnapshot(engine, s.validationText));
}

export const decodeReference = decodedOnce((buf: Buffer): WindowSnapshot => unpack(buf).json as WindowSnapshot);
