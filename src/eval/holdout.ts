/**
 * Evaluate a model on held-out labelled rows exactly as serving would judge them: each
 * row through the engine, scored on its dataset's own category and flagged at the
 * review threshold for its detected language (as eval/evaluate.ts does for test
 * splits). Gives F1 per dataset, calibration error, and F1 under the attack suite on a
 * sample. The pipeline runs it for the candidate and for the champion on the same
 * rows, so the gate compares like with like.
 *
 *   evaluateHoldout(engine, rows, 500)
 *   // in parts, so the judging can be spread over threads:
 *   const plan = holdoutPlan(rows, 500);
 *   summarizeHoldout(engine.version, rows, plan, judgeAll(engine, plan.items));
 */
import type { PolicyConfig } from "../config.js";
import { Engine } from "../engine/engine.js";
import { deserializeModel } from "../model/artifact.js";
import { ATTACK_FAMILIES, attack } from "./attacks.js";
import { expectedCalibrationError } from "./calibration.js";
import { binaryMetrics, type BinaryMetrics } from "./metrics.js";

export interface LabelledRow {
  readonly text: string;
  readonly label: number;
  readonly dataset: string;
  readonly task: string;
}

export interface HoldoutEvaluation {
  readonly model: string;
  readonly rows: number;
  readonly datasets: Record<string, BinaryMetrics & { readonly ece: number }>;
  /** Over all rows, each scored on its own category. */
  readonly ece: number;
  /** F1 on the attack sample, clean and mean F1 drop over the attack families (points). */
  readonly attack: { readonly rows: number; readonly clean: number; readonly meanDrop: number } | null;
}

/** One text to judge on one category. */
export interface JudgeItem {
  readonly text: string;
  readonly task: string;
}

/** The item's score on its category and the threshold it is flagged at. */
export type Judgement = readonly [score: number, threshold: number];

export interface HoldoutPlan {
  /** Every row as written, then the attack sample rewritten by each family in turn. */
  readonly items: JudgeItem[];
  /** Row indices of the attack sample (spread evenly over the rows). */
  readonly sample: number[];
}

export function holdoutPlan(rows: readonly LabelledRow[], attackSample: number): HoldoutPlan {
  const k = Math.min(attackSample, rows.length);
  const sample = Array.from({ length: k }, (_, j) => Math.floor((j * rows.length) / k));
  const items: JudgeItem[] = rows.map((r) => ({ text: r.text, task: r.task }));
  for (const family of ATTACK_FAMILIES) for (const i of sample) items.push({ text: attack(rows[i]!.text, family), task: rows[i]!.task });
  return { items, sample };
}

export function judgeAll(engine: Engine, items: readonly JudgeItem[]): Judgement[] {
  return items.map((item) => {
    const c = engine.classify(item.text);
    return [c.categories[item.task] ?? 0, engine.flagThreshold(item.task, c.lang, c.stage)] as const;
  });
}

/** judgeAll as a parallel task: the model travels as its artifact bytes. */
export function judgeMany(items: readonly JudgeItem[], args: unknown): Judgement[] {
  const { artifact, policy } = args as { artifact: Uint8Array; policy: PolicyConfig };
  const loaded = deserializeModel(Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength), "model artifact");
  return judgeAll(new Engine({ version: loaded.sha256, model: loaded.model }, policy), items);
}

export const JUDGE_TASK = { module: import.meta.url, name: "judgeMany" } as const;

export function summarizeHoldout(model: string, rows: readonly LabelledRow[], plan: HoldoutPlan, judged: readonly Judgement[]): HoldoutEvaluation {
  const n = rows.length;
  const scores = judged.slice(0, n).map((j) => j[0]);
  const labels = rows.map((r) => r.label);
  const byDataset = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = byDataset.get(r.dataset);
    if (list) list.push(i);
    else byDataset.set(r.dataset, [i]);
  });
  const datasets: HoldoutEvaluation["datasets"] = {};
  for (const name of [...byDataset.keys()].sort()) {
    const ix = byDataset.get(name)!;
    const s = ix.map((i) => scores[i]!);
    const l = ix.map((i) => labels[i]!);
    datasets[name] = { ...binaryMetrics(s, l, ix.map((i) => judged[i]![1])), ece: expectedCalibrationError(s, l) };
  }
  let attackFigures: HoldoutEvaluation["attack"] = null;
  const k = plan.sample.length;
  if (k > 0) {
    const sampleLabels = plan.sample.map((i) => labels[i]!);
    const f1At = (offset: number, ix: readonly number[]): number =>
      binaryMetrics(ix.map((_, j) => judged[offset + j]![0]), sampleLabels, ix.map((_, j) => judged[offset + j]![1])).f1;
    const clean = binaryMetrics(plan.sample.map((i) => scores[i]!), sampleLabels, plan.sample.map((i) => judged[i]![1])).f1;
    const drops = ATTACK_FAMILIES.map((_, f) => clean - f1At(n + f * k, plan.sample));
    attackFigures = { rows: k, clean, meanDrop: (100 * drops.reduce((a, b) => a + b, 0)) / drops.length };
  }
  return { model, rows: n, datasets, ece: expectedCalibrationError(scores, labels), attack: attackFigures };
}

/** `attackSample`: how many rows (spread evenly) to attack with every family. */
export function evaluateHoldout(engine: Engine, rows: readonly LabelledRow[], attackSample: number): HoldoutEvaluation {
  const plan = holdoutPlan(rows, attackSample);
  return summarizeHoldout(engine.version, rows, plan, judgeAll(engine, plan.items));
}
