/**
 * Evaluate a model on test splits: every example is judged on its own dataset's
 * category (a hate dataset on the `hate` head), flagged as serving flags it (the
 * policy's review threshold for the text's detected language).
 * Results per dataset and per language, never only an average.
 */
import { readExamples, type DatasetFile, type Example } from "../data/datasets.js";
import { STAGE_SECOND, type Engine, type StageChoice } from "../engine/engine.js";
import { expectedCalibrationError } from "./calibration.js";
import { binaryMetrics, decisionsAt, hindsightF1, type BinaryMetrics, type Decisions } from "./metrics.js";

export interface EvalRow extends BinaryMetrics {
  readonly name: string;
  readonly lang: string;
  readonly task: string;
  /** Expected calibration error of the scores (10 bins): how far a score is from the share of positives. */
  readonly ece: number;
  /** Share of the answers the cascade's second stage gave. */
  readonly secondStage: number;
  /** The best F1 a threshold chosen in hindsight reaches on the same scores (metrics.ts hindsightF1). */
  readonly hindsightF1: number;
}

/** Per dataset and per language, with the unweighted mean F1 and the pooled ECE. */
export interface EvalTables {
  readonly datasets: EvalRow[];
  readonly languages: EvalRow[];
  /** Unweighted mean over datasets (each dataset counts once). */
  readonly meanF1: number;
  /** ECE over every example of every dataset together, each scored on its own category. */
  readonly pooledEce: number;
}

export interface EvalReport extends EvalTables {
  readonly model: string;
  readonly limit: number | null;
  /** Which stages were allowed to answer (engine.ts StageChoice). */
  readonly stages: StageChoice;
}

/** What a classifier said about a test split's examples, row by row: score, the threshold it flags at, and whether the cascade's second stage answered (1) or not (0). */
export interface Scored {
  readonly scores: readonly number[];
  readonly thresholds: readonly number[];
  readonly second: readonly number[];
}

/** A one-stage classifier's scores, every one flagged at the same `threshold` (the reference, a word-list filter). */
export function scoredAt(scores: readonly number[], threshold: number): Scored {
  return { scores, thresholds: scores.map(() => threshold), second: scores.map(() => 0) };
}

/** With `decisions`, each dataset's row-by-row flags go there too (for paired comparisons with the reference). */
export function evaluate(engine: Engine, files: readonly DatasetFile[], limit?: number, stages: StageChoice = "auto", decisions?: Map<string, Decisions>): EvalReport {
  const tables = evaluateScored(
    files,
    (examples) => {
      const results = engine.classifyMany(examples.map((e) => e.text), stages);
      return {
        scores: examples.map((e, i) => results[i]!.categories[e.task] ?? 0),
        thresholds: examples.map((e, i) => engine.flagThreshold(e.task, results[i]!.lang, results[i]!.stage)),
        second: results.map((r) => (r.stage === STAGE_SECOND ? 1 : 0)),
      };
    },
    limit,
    decisions,
  );
  return { model: engine.version, limit: limit ?? null, stages, ...tables };
}

/** The tables for any classifier: `score` answers each test split's (first `limit`) examples. */
export function evaluateScored(files: readonly DatasetFile[], score: (examples: readonly Example[], file: DatasetFile) => Scored, limit?: number, decisions?: Map<string, Decisions>): EvalTables {
  const datasets: EvalRow[] = [];
  const byLang = new Map<string, { scores: number[]; labels: number[]; thresholds: number[]; second: number }>();
  for (const file of files) {
    let examples = readExamples(file);
    if (limit !== undefined) examples = examples.slice(0, limit);
    const { scores, thresholds, second } = score(examples, file);
    const labels = examples.map((e) => e.label);
    decisions?.set(file.name, decisionsAt(scores, labels, thresholds));
    datasets.push({
      name: file.name,
      lang: file.lang ?? examples[0]?.lang ?? "unknown",
      task: file.task,
      ...binaryMetrics(scores, labels, thresholds),
      ece: expectedCalibrationError(scores, labels),
      secondStage: share(second.reduce((a: number, b) => a + b, 0), examples.length),
      hindsightF1: hindsightF1(scores, labels),
    });
    examples.forEach((e, i) => {
      const slot = byLang.get(e.lang) ?? { scores: [], labels: [], thresholds: [], second: 0 };
      slot.scores.push(scores[i]!);
      slot.labels.push(e.label);
      slot.thresholds.push(thresholds[i]!);
      slot.second += second[i]!;
      byLang.set(e.lang, slot);
    });
  }
  const languages = [...byLang.keys()].sort().map((lang) => {
    const s = byLang.get(lang)!;
    return { name: lang, lang, task: "mixed", ...binaryMetrics(s.scores, s.labels, s.thresholds), ece: expectedCalibrationError(s.scores, s.labels), secondStage: share(s.second, s.labels.length), hindsightF1: hindsightF1(s.scores, s.labels) };
  });
  const meanF1 = datasets.length > 0 ? datasets.reduce((a, d) => a + d.f1, 0) / datasets.length : NaN;
  const all = [...byLang.values()];
  const pooledEce = expectedCalibrationError(all.flatMap((s) => s.scores), all.flatMap((s) => s.labels));
  return { datasets, languages, meanF1, pooledEce };
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function fmt(x: number): string {
  return Number.isNaN(x) ? "–" : x.toFixed(3);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

export function table(rows: readonly EvalRow[], first: string, withTask: boolean, withStages: boolean): string {
  const head = `| ${first} |${withTask ? " lang | task |" : ""} n | positives | precision | recall | F1 | ROC AUC | PR AUC | ECE |${withStages ? " answered by stage 2 |" : ""}`;
  const sep = `|---|${withTask ? "---|---|" : ""}---:|---:|---:|---:|---:|---:|---:|---:|${withStages ? "---:|" : ""}`;
  const body = rows.map(
    (r) =>
      `| ${r.name} |${withTask ? ` ${r.lang} | ${r.task} |` : ""} ${r.n} | ${r.positives} | ${fmt(r.precision)} | ${fmt(r.recall)} | ${fmt(r.f1)} | ${fmt(r.rocAuc)} | ${fmt(r.prAuc)} | ${fmt(r.ece)} |${withStages ? ` ${pct(r.secondStage)} |` : ""}`,
  );
  return [head, sep, ...body].join("\n");
}

const STAGE_WORDS: Record<StageChoice, string> = {
  auto: "answered as serving answers (stage 1, handing the messages it is unsure of to stage 2 when the model has one)",
  first: "answered by stage 1 alone",
  second: "answered by stage 2 alone",
};

export function reportMarkdown(report: EvalReport, command: string): string {
  const withStages = report.stages === "auto" && report.datasets.some((r) => r.secondStage > 0);
  return [
    `Model \`${report.model}\`${report.limit ? `, first ${report.limit} rows of each test split` : ", full test splits"}, ${STAGE_WORDS[report.stages]}; each example judged on its dataset's own category, flagged at the review threshold for its detected language of the stage that answered.`,
    "",
    `Produced by: \`${command}\``,
    "",
    "### Per dataset",
    "",
    table(report.datasets, "dataset", true, withStages),
    "",
    `Mean F1 over ${report.datasets.length} datasets: **${fmt(report.meanF1)}**. Expected calibration error (ECE, 10 bins; 0 is perfectly calibrated), all examples pooled: **${fmt(report.pooledEce)}**.`,
    "",
    "### Per language",
    "",
    table(report.languages, "language", false, withStages),
    "",
  ].join("\n");
}

/** Stage 1 alone, stage 2 alone and the cascade side by side: F1 and the share handed on, per dataset and per language. */
export function cascadeMarkdown(first: EvalReport, second: EvalReport, cascade: EvalReport): string {
  const rows = (pick: (r: EvalReport) => readonly EvalRow[], withLang: boolean): string[] => {
    const [a, b] = [new Map(pick(first).map((r) => [r.name, r])), new Map(pick(second).map((r) => [r.name, r]))];
    return pick(cascade).map((c) => `| ${c.name} |${withLang ? ` ${c.lang} |` : ""} ${fmt(a.get(c.name)?.f1 ?? NaN)} | ${fmt(b.get(c.name)?.f1 ?? NaN)} | ${fmt(c.f1)} | ${pct(c.secondStage)} |`);
  };
  const n = cascade.datasets.reduce((s, r) => s + r.n, 0);
  const handed = cascade.datasets.reduce((s, r) => s + r.secondStage * r.n, 0);
  return [
    "| dataset | lang | F1, stage 1 | F1, stage 2 | F1, cascade | sent to stage 2 |",
    "|---|---|---:|---:|---:|---:|",
    ...rows((r) => r.datasets, true),
    `| **mean** | | **${fmt(first.meanF1)}** | **${fmt(second.meanF1)}** | **${fmt(cascade.meanF1)}** | **${pct(share(handed, n))}** |`,
    "",
    "| language | F1, stage 1 | F1, stage 2 | F1, cascade | sent to stage 2 |",
    "|---|---:|---:|---:|---:|",
    ...rows((r) => r.languages, false),
    "",
  ].join("\n");
}
