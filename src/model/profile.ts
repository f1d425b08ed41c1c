/**
 * A model's validation score profile: per category, how its calibrated scores fall on
 * the validation rows of the datasets that teach it, counted per class in equal-width
 * bins, pooled and per detected language. It is what a threshold for another base rate
 * is chosen from (engine/base-rates.ts) without the validation data itself. The
 * pipeline makes it (step `profile`) and the registry keeps it beside the artifact.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { WardenError } from "../errors.js";

/** Bins of width 0.01: thresholds chosen from the profile are multiples of it. */
export const PROFILE_BINS = 100;

const Counts = z.array(z.number().int().nonnegative());
const ClassCountsSchema = z.object({ positive: Counts, negative: Counts }).strict();
const ProfileSchema = z
  .object({
    bins: z.number().int().positive(),
    categories: z.record(z.string(), z.object({ pooled: ClassCountsSchema, languages: z.record(z.string(), ClassCountsSchema) }).strict()),
  })
  .strict();

/** Validation rows per score bin: `positive[b]` rows labelled positive scored in bin b. */
export type ClassCounts = z.infer<typeof ClassCountsSchema>;
export type ScoreProfile = z.infer<typeof ProfileSchema>;

export interface ProfiledScore {
  readonly category: string;
  /** The language the engine detected. */
  readonly lang: string;
  readonly score: number;
  readonly label: number;
}

const emptyCounts = (bins: number): ClassCounts => ({ positive: new Array<number>(bins).fill(0), negative: new Array<number>(bins).fill(0) });

export function binOf(score: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
}

export function scoreProfile(scores: Iterable<ProfiledScore>, bins = PROFILE_BINS): ScoreProfile {
  const categories: ScoreProfile["categories"] = {};
  for (const s of scores) {
    const c = (categories[s.category] ??= { pooled: emptyCounts(bins), languages: {} });
    const b = binOf(s.score, bins);
    for (const counts of [c.pooled, (c.languages[s.lang] ??= emptyCounts(bins))]) (s.label ? counts.positive : counts.negative)[b]!++;
  }
  return { bins, categories };
}

/** A language's own counts stand for it when it has this many validation rows of each class (as for its calibration). */
export const MIN_ROWS_PER_CLASS = 30;

/** The sum of a count list. */
export function total(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return sum;
}

/** How many rows of each class were counted. */
export function classTotals(c: ClassCounts): { positives: number; negatives: number } {
  return { positives: total(c.positive), negatives: total(c.negative) };
}

/** Whether a language's counts are enough to stand for it. */
export function enoughRows(c: ClassCounts): boolean {
  const { positives, negatives } = classTotals(c);
  return positives >= MIN_ROWS_PER_CLASS && negatives >= MIN_ROWS_PER_CLASS;
}

/** The counts that stand for `lang`'s scores of `category`: the language's own where it has enough rows, else (and for `lang` null) the category's pooled ones; null for a category the profile lacks. */
export function countsFor(profile: ScoreProfile, category: string, lang: string | null): ClassCounts | null {
  const c = profile.categories[category];
  if (!c) return null;
  const own = lang === null ? undefined : c.languages[lang];
  return own && enoughRows(own) ? own : c.pooled;
}

/** The share of positives among the rows counted (NaN without rows). */
export function positiveShare(c: ClassCounts): number {
  const { positives, negatives } = classTotals(c);
  return positives / (positives + negatives);
}

/** A profile file, checked; null when there is none. */
export function readProfile(path: string | null): ScoreProfile | null {
  if (path === null || !existsSync(path)) return null;
  const parsed = ProfileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  const wrongLength = parsed.success && Object.values(parsed.data.categories).some((c) => [c.pooled, ...Object.values(c.languages)].some((k) => k.positive.length !== parsed.data.bins || k.negative.length !== parsed.data.bins));
  if (!parsed.success || wrongLength) throw new WardenError("MODEL_FORMAT", `${path} is not a validation score profile (${parsed.success ? "a count list's length is not its bins" : parsed.error.issues[0]?.message}).`);
  return parsed.data;
}
