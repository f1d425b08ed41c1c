/**
 * Thresholds for a deployment's base rate. A model's validated thresholds maximize F1 at
 * the validation data's share of positives, and most shared datasets were collected
 * where abuse was expected (65% of the English training messages are abusive); on a
 * platform where 5% are, the same threshold flags the same share of innocent messages
 * against far fewer abusive ones, and most of the review queue is innocent. Given the
 * deployment's base rate (`policy.thresholds.<category>.baseRate`, or a language's), the
 * review threshold is the one with the best F1 at that rate and the block threshold the
 * lowest whose precision at that rate is at least 95%, both read off the model's
 * validation score profile under label shift (stats/label-shift.ts). A language's own
 * profile is used where it has enough rows of each class, else the category's pooled one.
 */
import type { PolicyConfig } from "../config.js";
import { WardenError } from "../errors.js";
import { classTotals, countsFor, enoughRows, type ClassCounts, type ScoreProfile } from "../model/profile.js";
import { shiftedToBaseRate } from "../stats/label-shift.js";

/** The block threshold for a base rate is the lowest whose precision at that rate reaches this. */
export const BLOCK_PRECISION = 0.95;
/** The block threshold when no threshold reaches BLOCK_PRECISION: nothing blocks. */
export const NEVER = Number.POSITIVE_INFINITY;

export interface BaseRateThresholds {
  readonly review: number;
  readonly block: number;
}

/** The review and block thresholds for `rate` from one set of class counts (thresholds fall on bin edges). */
export function thresholdsAtBaseRate(counts: ClassCounts, rate: number): BaseRateThresholds {
  const bins = counts.positive.length;
  const { positives, negatives } = classTotals(counts);
  if (positives === 0 || negatives === 0) throw new RangeError("a threshold for a base rate needs validation rows of both classes.");
  let bestF1 = -1;
  let review = 1;
  let block = NEVER;
  let pos = 0;
  let neg = 0;
  // From the top bin down: flagging scores at or above bin k's lower edge.
  for (let k = bins - 1; k >= 0; k--) {
    pos += counts.positive[k]!;
    neg += counts.negative[k]!;
    // One innocent message more than validation saw: a tail with none would promise perfect precision.
    const at = shiftedToBaseRate(pos / positives, (neg + 1) / (negatives + 1), rate);
    if (at.f1 > bestF1) {
      bestF1 = at.f1;
      review = k / bins;
    }
    if (at.precision >= BLOCK_PRECISION) block = k / bins;
  }
  return { review, block };
}

type CategoryThresholds = PolicyConfig["thresholds"][string];
type Threshold = NonNullable<CategoryThresholds["languages"]>[string];

const configuresBaseRate = (t: CategoryThresholds): boolean => t.baseRate !== undefined || Object.values(t.languages ?? {}).some((l) => l.baseRate !== undefined);

/** Whether the policy asks for thresholds chosen for a base rate (it then needs the model's profile). */
export function needsProfile(policy: PolicyConfig): boolean {
  return Object.values(policy.thresholds).some(configuresBaseRate);
}

/** A threshold object with only the values that are set. */
function only(review: number | undefined, block: number | undefined): Threshold {
  return { ...(review !== undefined ? { review } : {}), ...(block !== undefined ? { block } : {}) };
}

/**
 * The policy with every `baseRate` replaced by the thresholds it chooses for `model`:
 * a threshold set outright wins over one chosen for a base rate at the same level, and a
 * language's over its category's. Without a base rate anywhere, the policy as it is.
 */
export function resolveBaseRates(policy: PolicyConfig, profile: ScoreProfile | null, model: string): PolicyConfig {
  if (!needsProfile(policy)) return policy;
  if (!profile) {
    throw new WardenError(
      "CONFIG_INVALID",
      `policy.thresholds sets a baseRate, but model ${model} has no validation score profile to choose thresholds from (a model trained before profiles were kept has none: train it again, or set review and block instead).`,
    );
  }
  const thresholds = Object.fromEntries(Object.entries(policy.thresholds).map(([category, t]) => [category, configuresBaseRate(t) ? resolveCategory(category, t, profile, model) : t]));
  return { ...policy, thresholds };
}

function resolveCategory(category: string, t: CategoryThresholds, profile: ScoreProfile, model: string): CategoryThresholds {
  const counts = profile.categories[category];
  const pooled = counts ? classTotals(counts.pooled) : { positives: 0, negatives: 0 };
  if (!counts || pooled.positives === 0 || pooled.negatives === 0) {
    throw new WardenError("CONFIG_INVALID", `policy.thresholds.${category} sets a baseRate, but model ${model}'s validation score profile has no ${category} rows of both classes.`);
  }
  const at = (lang: string | null, rate: number): BaseRateThresholds => thresholdsAtBaseRate(countsFor(profile, category, lang)!, rate);
  const categoryAt = t.baseRate === undefined ? undefined : at(null, t.baseRate);
  // The category's base rate gets a threshold of its own in each language with enough rows.
  const profiled = t.baseRate === undefined ? [] : Object.keys(counts.languages).filter((l) => enoughRows(counts.languages[l]!));
  const langs = [...new Set([...Object.keys(t.languages ?? {}), ...profiled])].sort();
  const languages: Record<string, Threshold> = {};
  for (const lang of langs) {
    const own = t.languages?.[lang] ?? {};
    const ownAt = own.baseRate === undefined ? undefined : at(lang, own.baseRate);
    const inherited = t.baseRate === undefined ? undefined : at(lang, t.baseRate);
    languages[lang] = only(own.review ?? ownAt?.review ?? (t.review === undefined ? inherited?.review : undefined), own.block ?? ownAt?.block ?? (t.block === undefined ? inherited?.block : undefined));
  }
  return { ...only(t.review ?? categoryAt?.review, t.block ?? categoryAt?.block), ...(langs.length > 0 ? { languages } : {}) };
}

/**
 * The policy without its base rates, for judging a model on its own validation rows (the
 * pipeline): thresholds chosen from those rows would be judged on the rows they were
 * chosen on, and a candidate has no profile before it is judged.
 */
export function withoutBaseRates(policy: PolicyConfig): PolicyConfig {
  if (!needsProfile(policy)) return policy;
  const strip = ({ baseRate: _, ...rest }: Threshold): Threshold => rest;
  const thresholds = Object.fromEntries(
    Object.entries(policy.thresholds).map(([c, { languages, ...t }]) => [c, { ...strip(t), ...(languages ? { languages: Object.fromEntries(Object.entries(languages).map(([l, lt]) => [l, strip(lt)])) } : {}) }]),
  );
  return { ...policy, thresholds };
}

/** The base rate the policy states for `category` in `lang` (the language's, else the category's); undefined where it states none. */
export function baseRateFor(policy: PolicyConfig, category: string, lang: string): number | undefined {
  const t = policy.thresholds[category];
  return t?.languages?.[lang]?.baseRate ?? t?.baseRate;
}
