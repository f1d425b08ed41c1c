/**
 * Step `reference`: the candidate's validation texts through the candidate, counted as
 * the window monitoring compares live traffic with (monitor/reference.ts). Inputs: the
 * artifact and the split.
 */
import type { PolicyConfig } from "../../config.js";
import { referenceSnapshot } from "../../monitor/reference.js";
import type { WindowSnapshot } from "../../monitor/window.js";
import { decodedOnce, pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import type { Step, StepOutput } from "../runner.js";
import { candidateEngine } from "./evaluate.js";
import { decodeSplit } from "./split.js";

const CODE = codeFingerprint(import.meta.url);

export function referenceStep(calibrated: StepOutput, split: StepOutput, policy: PolicyConfig): Step {
  return {
    name: "reference",
    version: 1,
    code: CODE,
    params: { policy },
    inputs: { calibrate: calibrated.sha256, split: split.sha256 },
    async run(): Promise<Buffer> {
      return pack({ json: referenceSnapshot(candidateEngine(calibrated.payload, policy), decodeSplit(split.payload).split.validationText) });
    },
  };
}

export const decodeReference = decodedOnce((buf: Buffer): WindowSnapshot => unpack(buf).json as WindowSnapshot);
