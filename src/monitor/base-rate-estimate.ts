/**
 * The share of traffic that is positive for a category, estimated without labels: the
 * EM procedure of Saerens, Latinne & Decaestecker (2002), "Adjusting the outputs of a
 * classifier to new a priori probabilities". A calibrated score is a posterior under
 * the validation data's share of positives π_v; under another share π it becomes p'
 * (stats/label-shift.ts `rebased`), and π is the fixed point where it equals the mean
 * of p' over the traffic. It assumes label shift (each class's messages look as they did
 * in validation, only the mix differs) and calibrated scores; it is what tells a
 * deployment its traffic is far less (or more) abusive than the data the thresholds
 * were chosen on, before any label comes.
 */
import { countsFor, positiveShare, total, type ScoreProfile } from "../model/profile.js";

/** One group of scores (one detected language's, say), counted in equal-width bins, with the share of positives its scores were calibrated under. */
export interface BinnedScores {
  readonly counts: ArrayLike<number>;
  readonly validationRate: number;
}

/** Bisection steps: the interval [0, 1] halves each time, to 2^-50 at the end. */
const STEPS = 50;

/**
 * The estimated share of positives over all groups' scores; null without scores. EM's
 * fixed point is the maximum of the traffic's likelihood under the mixture
 * π·f₊ + (1-π)·f₋, where a calibrated score s gives its bin's likelihood against the
 * validation mix: f₊ ∝ s/π_v and f₋ ∝ (1-s)/(1-π_v). That likelihood is concave in π,
 * so its maximum is found by bisecting its derivative, in a fixed number of steps
 * however slowly EM itself would creep towards a share near 0.
 */
export function estimateBaseRate(groups: readonly BinnedScores[]): number | null {
  const terms: Array<{ n: number; positive: number; negative: number }> = [];
  for (const g of groups) {
    for (let b = 0; b < g.counts.length; b++) {
      const n = g.counts[b]!;
      if (n === 0) continue;
      const s = (b + 0.5) / g.counts.length;
      terms.push({ n, positive: s / g.validationRate, negative: (1 - s) / (1 - g.validationRate) });
    }
  }
  if (terms.length === 0) return null;
  const slope = (rate: number): number => terms.reduce((a, t) => a + (t.n * (t.positive - t.negative)) / (rate * t.positive + (1 - rate) * t.negative), 0);
  if (slope(0) <= 0) return 0;
  if (slope(1) >= 0) return 1;
  let [low, high] = [0, 1];
  for (let i = 0; i < STEPS; i++) {
    const mid = (low + high) / 2;
    if (slope(mid) > 0) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
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
  const groups = [...scores].map(([lang, counts]) => ({ lang, counts, validationRate: positiveShare(countsFor(profile, category, lang)!), messages: total(counts) }));
  // A validation share of 0 or 1 says nothing of the other class: no estimate from it.
  if (groups.some((g) => !(g.validationRate > 0 && g.validationRate < 1))) return null;
  const estimated = estimateBaseRate(groups);
  if (estimated === null) return null;
  const messages = groups.reduce((a, g) => a + g.messages, 0);
  const languages = groups
    .filter((g) => g.messages >= MIN_LANGUAGE_MESSAGES)
    .sort((a, b) => b.messages - a.messages)
    .map((g) => ({ lang: g.lang, messages: g.messages, estimated: estimateBaseRate([g])!, validation: g.validationRate }));
  return { estimated, validation: groups.reduce((a, g) => a + g.messages * g.validationRate, 0) / messages, languages };
}
