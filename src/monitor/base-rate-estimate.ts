/**
 * The share of traffic that is positive for a category, estimated without labels: the
 * EM procedure of Saerens, Latinne & Decaestecker (2002), "Adjusting the outputs of a
 * classifier to new a priori probabilities". A calibrated score is a posterior under
 * the validation data's share of positives π_v; under another share π it becomes p'
 * (stats/label-shift.ts `rebased`), and π is the fixed point where it equals the mean
 * of p' over the traffic. It assumes
 * label shift (each class's messages look as they did in validation, only the mix
 * differs) and calibrated scores; it is what tells a deployment its traffic is far less
 * (or more) abusive than the data the thresholds were chosen on, before any label comes.
 */
import { countsFor, positiveShare, type ScoreProfile } from "../model/profile.js";
import { rebased } from "../stats/label-shift.js";

/** One group of scores (one detected language's, say), counted in equal-width bins, with the share of positives its scores were calibrated under. */
export interface BinnedScores {
  readonly counts: ArrayLike<number>;
  readonly validationRate: number;
}

const ITERATIONS = 1000;
const TOLERANCE = 1e-7;


/** The estimated share of positives over all groups' scores; null without scores. */
export function estimateBaseRate(groups: readonly BinnedScores[]): number | null {
  let n = 0;
  let meanScore = 0;
  for (const g of groups) {
    for (let b = 0; b < g.counts.length; b++) {
      n += g.counts[b]!;
      meanScore += g.counts[b]! * ((b + 0.5) / g.counts.length);
    }
  }
  if (n === 0) return null;
  // From the mean score: the estimate a calibrated model gives before any adjustment.
  let rate = Math.min(1 - 1e-6, Math.max(1e-6, meanScore / n));
  for (let it = 0; it < ITERATIONS; it++) {
    let sum = 0;
    for (const g of groups) {
      for (let b = 0; b < g.counts.length; b++) if (g.counts[b]! > 0) sum += g.counts[b]! * rebased((b + 0.5) / g.counts.length, g.validationRate, rate);
    }
    const next = Math.min(1 - 1e-6, Math.max(1e-6, sum / n));
    if (Math.abs(next - rate) < TOLERANCE) return next;
    rate = next;
  }
  return rate;
}

/** A language needs this many messages in a window for a base-rate estimate of its own. */
export const MIN_LANGUAGE_MESSAGES = 100;

export interface TrafficBaseRate {
  /** The estimated share of positives in the traffic. */
  readonly estimated: number;
  /** The share the model's scores were calibrated under, for this traffic's language mix (each language's validation share, weighted by its messages). */
  readonly validation: number;
  /** Languages with at least MIN_LANGUAGE_MESSAGES messages, on their own. */
  readonly languages: Array<{ readonly lang: string; readonly messages: number; readonly estimated: number; readonly validation: number }>;
}

/** A category's base rate in a window's traffic (its scores per language) against the model's validation data; null without scores or without the model's profile of the category. */
export function trafficBaseRate(profile: ScoreProfile | null, category: string, scores: ReadonlyMap<string, ArrayLike<number>>): TrafficBaseRate | null {
  if (!profile?.categories[category]) return null;
  const groups = [...scores].map(([lang, counts]) => ({ lang, counts, validationRate: positiveShare(countsFor(profile, category, lang)!), messages: sum(counts) }));
  const estimated = estimateBaseRate(groups);
  if (estimated === null) return null;
  const messages = groups.reduce((a, g) => a + g.messages, 0);
  const languages = groups
    .filter((g) => g.messages >= MIN_LANGUAGE_MESSAGES)
    .sort((a, b) => b.messages - a.messages)
    .map((g) => ({ lang: g.lang, messages: g.messages, estimated: estimateBaseRate([g])!, validation: g.validationRate }));
  return { estimated, validation: groups.reduce((a, g) => a + g.messages * g.validationRate, 0) / messages, languages };
}

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}
