/**
 * Step `gate`: evaluate the champion on the candidate's validation rows (the same
 * engine path, the same rows) and decide (../gate.ts). Inputs: the candidate's
 * evaluation and artifact, the split, and the champion's artifact hash, so a new
 * champion means a new verdict.
 */
import { readFile } from "node:fs/promises";
import type { GateConfig, PolicyConfig } from "../../config.js";
import { WardenError } from "../../errors.js";
import type { HoldoutEvaluation } from "../../eval/holdout.js";
import { sha256Of } from "../cache.js";
import { pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import { decideGate, type GateVerdict } from "../gate.js";
import { retryTransient } from "../retry.js";
import type { Step, StepOutput } from "../runner.js";
import { decodeEvaluated, evaluateArtifact, validationRows } from "./evaluate.js";
import { decodeSplit } from "./split.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

export interface Champion {
  readonly version: string;
  readonly sha256: string;
  /** Its artifact file (the registry verified it when it was promoted; the engine verifies it again). */
  readonly path: string;
}

export interface Gated {
  readonly verdict: GateVerdict;
  readonly champion: HoldoutEvaluation | null;
}

export function gateStep(evaluated: StepOutput, calibrated: StepOutput, split: StepOutput, champion: Champion | null, policy: PolicyConfig, settings: GateConfig): Step {
  return {
    name: "gate",
    version: 1,
    code: CODE,
    params: { gate: settings, policy },
    inputs: { evaluate: evaluated.sha256, calibrate: calibrated.sha256, split: split.sha256, champion: champion?.sha256 ?? "none" },
    async run(): Promise<Buffer> {
      const candidate = decodeEvaluated(evaluated.payload);
      let championFigures: { version: string; evaluation: HoldoutEvaluation } | null = null;
      if (champion) {
        // The same bytes judge the same: no need to evaluate them twice.
        const evaluation =
          champion.sha256 === calibrated.sha256
            ? candidate.evaluation
            : await evaluateArtifact(await readChampion(champion), champion.version, validationRows(decodeSplit(split.payload).split), policy, settings.attackSample);
        championFigures = { version: champion.version, evaluation };
      }
      const verdict = decideGate(candidate, championFigures, settings);
      return pack({ json: { verdict, champion: championFigures?.evaluation ?? null } satisfies Gated });
    },
  };
}

async function readChampion(champion: Champion): Promise<Buffer> {
  const bytes = await retryTransient(() => readFile(champion.path)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
    throw new WardenError("MODEL_NOT_FOUND", `the champion ${champion.version}'s artifact ${champion.path} is missing; restore it or promote another model.`);
  });
  if (sha256Of(bytes) !== champion.sha256) {
    throw new WardenError("MODEL_CHECKSUM", `the champion's artifact ${champion.path} does not match its registered sha256 ${champion.sha256}; restore it or promote another model.`);
  }
  return bytes;
}

export function decodeGated(buf: Buffer): Gated {
  return unpack(buf).json as Gated;
}
