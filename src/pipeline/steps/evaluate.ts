/**
 * Step `evaluate`: the candidate through the engine, as serving runs it, on the
 * validation rows: F1 per dataset, calibration error, F1 under the attack suite on a
 * sample, and a latency micro-benchmark. Inputs: calibrate (the artifact) and split.
 */
import type { GateConfig, PolicyConfig } from "../../config.js";
import { Engine } from "../../engine/engine.js";
import { JUDGE_TASK, holdoutPlan, summarizeHoldout, type HoldoutEvaluation, type JudgeItem, type Judgement, type LabelledRow } from "../../eval/holdout.js";
import { measureLatency, type LatencyFigures } from "../../eval/latency.js";
import { deserializeModel } from "../../model/artifact.js";
import { versioned } from "../../registry/registry.js";
import { pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import { mapOnTwoThreads } from "../parallel.js";
import type { Step, StepOutput } from "../runner.js";
import type { SplitData } from "../split.js";
import { decodeSplit } from "./split.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

export interface Evaluated {
  readonly evaluation: HoldoutEvaluation;
  readonly latency: LatencyFigures;
}

/** Validation rows with their input text, judged on their dataset's category. */
export function validationRows(s: SplitData): LabelledRow[] {
  return s.validation.map((i, k) => ({ text: s.validationText[k]!, label: s.label[i]!, dataset: s.dataset[i]!, task: s.task[i]! }));
}

/** An engine for a candidate's artifact bytes, under the version the registry gives them (the steps that run the candidate). */
export function candidateEngine(artifact: Buffer, policy: PolicyConfig): Engine {
  const loaded = deserializeModel(artifact, "candidate artifact");
  return new Engine(versioned(loaded), policy);
}

/**
 * A step that runs the candidate under `policy` over the split and keeps the JSON that
 * `measure` makes of it (the monitoring reference, the score profile). `code` is the
 * calling step module's fingerprint, so editing what it measures reruns it.
 */
export function candidateStep(name: string, code: string, calibrated: StepOutput, split: StepOutput, policy: PolicyConfig, measure: (engine: Engine, split: SplitData) => unknown): Step {
  return {
    name,
    version: 1,
    code,
    params: { policy },
    inputs: { calibrate: calibrated.sha256, split: split.sha256 },
    async run(): Promise<Buffer> {
      return pack({ json: measure(candidateEngine(calibrated.payload, policy), decodeSplit(split.payload).split) });
    },
  };
}

/**
 * evaluateHoldout (eval/holdout.ts) with the judging spread over two threads; the
 * model goes as its artifact bytes, so both threads judge with the very same model.
 */
export async function evaluateArtifact(artifact: Buffer, version: string, rows: readonly LabelledRow[], policy: PolicyConfig, attackSample: number): Promise<HoldoutEvaluation> {
  const plan = holdoutPlan(rows, attackSample);
  const judged = await mapOnTwoThreads<JudgeItem, Judgement>(JUDGE_TASK, plan.items, { artifact, policy });
  return summarizeHoldout(version, rows, plan, judged);
}

const LATENCY_TEXTS = 500;

export function evaluateStep(calibrated: StepOutput, split: StepOutput, policy: PolicyConfig, gate: GateConfig): Step {
  return {
    name: "evaluate",
    version: 1,
    code: CODE,
    params: { policy, attackSample: gate.attackSample, latencyTexts: LATENCY_TEXTS },
    inputs: { calibrate: calibrated.sha256, split: split.sha256 },
    async run(): Promise<Buffer> {
      const engine = candidateEngine(calibrated.payload, policy);
      const rows = validationRows(decodeSplit(split.payload).split);
      const evaluation = await evaluateArtifact(calibrated.payload, engine.version, rows, policy, gate.attackSample);
      // Alone on the thread, after the evaluation, so the figures are not of a shared core.
      const latency = measureLatency(engine, rows.slice(0, LATENCY_TEXTS).map((r) => r.text));
      return pack({ json: { evaluation, latency } satisfies Evaluated });
    },
  };
}

export function decodeEvaluated(buf: Buffer): Evaluated {
  return unpack(buf).json as Evaluated;
}
