/**
 * What the model's flags would do on a platform whose traffic is abusive at a given base
 * rate, not at its test split's. The shared datasets were mostly collected where abuse
 * was expected (most English and French training messages are abusive), and the review
 * thresholds are chosen for F1 on validation data with those rates; a platform where 5%
 * of messages are abusive sees the same share of its innocent messages flagged (the
 * false-positive rate) against far fewer abusive ones, so most of its review queue is
 * innocent. The figures assume label shift: each class's messages look as they do in the
 * test split, only the mix changes (stats/label-shift.ts).
 */
import { tally, type Confusion } from "../stats/confusion.js";
import { shiftedToBaseRate } from "../stats/label-shift.js";
import type { Decisions } from "./metrics.js";

export interface BaseRateRow {
  readonly name: string;
  readonly lang: string;
  readonly task: string;
  /** Share of positives flagged (as on the test split). */
  readonly recall: number;
  /** Share of negatives flagged (as on the test split). */
  readonly falsePositiveRate: number;
  /** Share of all traffic flagged at the base rate. */
  readonly flaggedShare: number;
  /** Share of flagged messages that are positive, at the base rate. */
  readonly precision: number;
  readonly f1: number;
}

export interface BaseRateTables {
  readonly rate: number;
  readonly datasets: BaseRateRow[];
  /** Each language's datasets' rows pooled (a dataset counts under its catalogue language). */
  readonly languages: BaseRateRow[];
  /** Unweighted means over the datasets. */
  readonly meanPrecision: number;
  readonly meanF1: number;
}

/** A dataset as the quality tables name it. */
export interface NamedDataset {
  readonly name: string;
  readonly lang: string;
  readonly task: string;
}

function rates(all: readonly Decisions[]): { recall: number; falsePositiveRate: number } {
  const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const d of all) for (let i = 0; i < d.labels.length; i++) tally(c, d.flagged[i] === 1, d.labels[i] ? 1 : 0);
  return { recall: c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : NaN, falsePositiveRate: c.fp + c.tn > 0 ? c.fp / (c.fp + c.tn) : NaN };
}

/** One row: `decisions` pooled, shifted to the base rate. */
export function atBaseRate(name: string, lang: string, task: string, decisions: readonly Decisions[], rate: number): BaseRateRow {
  const { recall, falsePositiveRate } = rates(decisions);
  return { name, lang, task, recall, falsePositiveRate, ...shiftedToBaseRate(recall, falsePositiveRate, rate) };
}

/** Per dataset (its flags as `decisions` holds them) and per language. */
export function baseRateTables(datasets: readonly NamedDataset[], decisions: ReadonlyMap<string, Decisions>, rate: number): BaseRateTables {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`a base rate is a share between 0 and 1 (exclusive). Got ${rate}.`);
  const judged = datasets.filter((d) => decisions.has(d.name));
  const rows = judged.map((d) => atBaseRate(d.name, d.lang, d.task, [decisions.get(d.name)!], rate));
  const langs = [...new Set(judged.map((d) => d.lang))].sort();
  const languages = langs.map((lang) => {
    const mine = judged.filter((d) => d.lang === lang);
    const tasks = [...new Set(mine.map((d) => d.task))];
    return atBaseRate(lang, lang, tasks.length === 1 ? tasks[0]! : "mixed", mine.map((d) => decisions.get(d.name)!), rate);
  });
  const mean = (pick: (r: BaseRateRow) => number): number => (rows.length > 0 ? rows.reduce((a, r) => a + pick(r), 0) / rows.length : NaN);
  return { rate, datasets: rows, languages, meanPrecision: mean((r) => r.precision), meanF1: mean((r) => r.f1) };
}

const pct = (x: number): string => (Number.isNaN(x) ? "–" : `${(100 * x).toFixed(1)}%`);
const fmt = (x: number): string => (Number.isNaN(x) ? "–" : x.toFixed(3));

function table(rows: readonly BaseRateRow[], first: string, withTask: boolean, rate: number): string[] {
  const at = pct(rate);
  return [
    `| ${first} |${withTask ? " lang | task |" : ""} recall | innocent messages flagged | share of traffic flagged at ${at} | precision at ${at} | F1 at ${at} |`,
    `|---|${withTask ? "---|---|" : ""}---:|---:|---:|---:|---:|`,
    ...rows.map((r) => `| ${r.name} |${withTask ? ` ${r.lang} | ${r.task} |` : ""} ${fmt(r.recall)} | ${pct(r.falsePositiveRate)} | ${pct(r.flaggedShare)} | ${fmt(r.precision)} | ${fmt(r.f1)} |`),
  ];
}

/** A section to follow the quality tables of the same run (its flags). */
export function baseRateMarkdown(t: BaseRateTables, model: string): string {
  const at = pct(t.rate);
  return [
    `### On a platform where ${at} of messages are positive`,
    "",
    `The same flags of model \`${model}\` (the review threshold for each message's detected language), on traffic where ${at} of messages are positive for the dataset's category instead of the test split's share. Recall and the share of innocent messages flagged are the test split's own; the share of all traffic flagged, precision and F1 follow from the base rate, assuming each class's messages look as they do in the test split. Precision here is the share of a review queue that is really abusive (or hateful, or spam).`,
    "",
    ...table(t.datasets, "dataset", true, t.rate),
    "",
    `Mean over ${t.datasets.length} datasets: precision at ${at} **${fmt(t.meanPrecision)}**, F1 at ${at} **${fmt(t.meanF1)}**. Per language (each language's datasets pooled):`,
    "",
    ...table(t.languages, "language", false, t.rate),
    "",
  ].join("\n");
}
