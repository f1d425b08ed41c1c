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

/** What the cascade's stages give at a base rate: each stage judged alone, and the cascade as served. */
export interface StagesAtBaseRate {
  readonly first: BaseRateTables;
  readonly second: BaseRateTables;
  readonly cascade: BaseRateTables;
}

/**
 * A section to follow `warden eval --stages` (the flags of its three runs): F1 at the base
 * rate of stage 1 alone, stage 2 alone and the cascade, beside the share of messages the
 * cascade sent to stage 2 (`sent`: the cascade run's rows, by dataset and language name).
 */
export function stagesAtBaseRateMarkdown(t: StagesAtBaseRate, sent: { readonly datasets: readonly SentRow[]; readonly languages: readonly SentRow[] }): string {
  const at = pct(t.cascade.rate);
  const rows = (pick: (b: BaseRateTables) => readonly BaseRateRow[], shares: readonly SentRow[], withLang: boolean): string[] => {
    const [a, b] = [new Map(pick(t.first).map((r) => [r.name, r])), new Map(pick(t.second).map((r) => [r.name, r]))];
    const handed = new Map(shares.map((r) => [r.name, r.secondStage]));
    return pick(t.cascade).map((c) => `| ${c.name} |${withLang ? ` ${c.lang} |` : ""} ${fmt(a.get(c.name)?.f1 ?? NaN)} | ${fmt(b.get(c.name)?.f1 ?? NaN)} | ${fmt(c.f1)} | ${pct(handed.get(c.name) ?? NaN)} |`);
  };
  const n = sent.datasets.reduce((s, r) => s + r.n, 0);
  const handed = n > 0 ? sent.datasets.reduce((s, r) => s + r.secondStage * r.n, 0) / n : NaN;
  return [
    `### The cascade on a platform where ${at} of messages are positive`,
    "",
    `Each stage's flags and the cascade's, judged as in the section "On a platform where ${at} of messages are positive": recall and the share of innocent messages flagged from the test split, precision and F1 at a ${at} share of positives. The last column is the share of messages the cascade handed to stage 2 under the thresholds of this run: stage 2 takes the messages whose score is near the review threshold, so when the thresholds move, what it takes moves with them.`,
    "",
    `| dataset | lang | F1 at ${at}, stage 1 | F1 at ${at}, stage 2 | F1 at ${at}, cascade | sent to stage 2 |`,
    "|---|---|---:|---:|---:|---:|",
    ...rows((b) => b.datasets, sent.datasets, true),
    `| **mean** | | **${fmt(t.first.meanF1)}** | **${fmt(t.second.meanF1)}** | **${fmt(t.cascade.meanF1)}** | **${pct(handed)}** |`,
    "",
    `| language | F1 at ${at}, stage 1 | F1 at ${at}, stage 2 | F1 at ${at}, cascade | sent to stage 2 |`,
    "|---|---:|---:|---:|---:|",
    ...rows((b) => b.languages, sent.languages, false),
    "",
  ].join("\n");
}

/** A row of the cascade's run: how many messages, and the share stage 2 answered. */
export interface SentRow {
  readonly name: string;
  readonly n: number;
  readonly secondStage: number;
}
