/**
 * Evaluate a model on test splits: every example is judged on its own dataset's
 * category (a hate dataset on the `hate` head), flagged as serving flags it (the
 * policy's review threshold for the text's detected language).
 * Results per dataset and per language, never only an average.
 */
import { readExamples, type DatasetFile } from "../data/datasets.js";
import type { Engine } from "../engine/engine.js";
import { expectedCalibrationError } from "./calibration.js";
import { binaryMetrics, type BinaryMetrics } from "./metrics.js";

export interface EvalRow extends BinaryMetrics {
  readonly name: string;
  readonly lang: string;
  readonly task: string;
  /** Expected calibration error of the scores (10 bins): how far a score is from the share of positives. */
  readonly ece: number;
}

export interface EvalReport {
  readonly model: string;
  readonly limit: number | null;
  readonly datasets: EvalRow[];
  readonly languages: EvalRow[];
  /** Unweighted mean over datasets (each dataset counts once). */
  readonly meanF1: number;
  /** ECE over every example of every dataset together, each scored on its own category. */
  readonly pooledEce: number;
}

export function evaluate(engine: Engine, files: readonly DatasetFile[], limit?: number): EvalReport {
  const datasets: EvalRow[] = [];
  const byLang = new Map<string, { scores: number[]; labels: number[]; thresholds: number[] }>();
  for (const file of files) {
    let examples = readExamples(file);
    if (limit !== undefined) examples = examples.slice(0, limit);
    const results = examples.map((e) => engine.classify(e.text));
    const scores = examples.map((e, i) => results[i]!.categories[e.task] ?? 0);
    const thresholds = examples.map((e, i) => engine.flagThreshold(e.task, results[i]!.lang));
    const labels = examples.map((e) => e.label);
    datasets.push({ name: file.name, lang: file.lang ?? examples[0]?.lang ?? "unknown", task: file.task, ...binaryMetrics(scores, labels, thresholds), ece: expectedCalibrationError(scores, labels) });
    examples.forEach((e, i) => {
      const slot = byLang.get(e.lang) ?? { scores: [], labels: [], thresholds: [] };
      slot.scores.push(scores[i]!);
      slot.labels.push(e.label);
      slot.thresholds.push(thresholds[i]!);
      byLang.set(e.lang, slot);
    });
  }
  const languages = [...byLang.keys()].sort().map((lang) => {
    const s = byLang.get(lang)!;
    return { name: lang, lang, task: "mixed", ...binaryMetrics(s.scores, s.labels, s.thresholds), ece: expectedCalibrationError(s.scores, s.labels) };
  });
  const meanF1 = datasets.length > 0 ? datasets.reduce((a, d) => a + d.f1, 0) / datasets.length : NaN;
  const all = [...byLang.values()];
  const pooledEce = expectedCalibrationError(all.flatMap((s) => s.scores), all.flatMap((s) => s.labels));
  return { model: engine.version, limit: limit ?? null, datasets, languages, meanF1, pooledEce };
}

function fmt(x: number): string {
  return Number.isNaN(x) ? "–" : x.toFixed(3);
}

function table(rows: readonly EvalRow[], first: string, withTask: boolean): string {
  const head = `| ${first} |${withTask ? " lang | task |" : ""} n | positives | precision | recall | F1 | ROC AUC | PR AUC | ECE |`;
  const sep = `|---|${withTask ? "---|---|" : ""}---:|---:|---:|---:|---:|---:|---:|---:|`;
  const body = rows.map(
    (r) =>
      `| ${r.name} |${withTask ? ` ${r.lang} | ${r.task} |` : ""} ${r.n} | ${r.positives} | ${fmt(r.precision)} | ${fmt(r.recall)} | ${fmt(r.f1)} | ${fmt(r.rocAuc)} | ${fmt(r.prAuc)} | ${fmt(r.ece)} |`,
  );
  return [head, sep, ...body].join("\n");
}

export function reportMarkdown(report: EvalReport, command: string): string {
  return [
    `Model \`${report.model}\`${report.limit ? `, first ${report.limit} rows of each test split` : ", full test splits"}; each example judged on its dataset's own category, flagged as serving flags it (the review threshold for its detected language).`,
    "",
    `Produced by: \`${command}\``,
    "",
    "### Per dataset",
    "",
    table(report.datasets, "dataset", true),
    "",
    `Mean F1 over ${report.datasets.length} datasets: **${fmt(report.meanF1)}**. Expected calibration error (ECE, 10 bins; 0 is perfectly calibrated), all examples pooled: **${fmt(report.pooledEce)}**.`,
    "",
    "### Per language",
    "",
    table(report.languages, "language", false),
    "",
  ].join("\n");
}
