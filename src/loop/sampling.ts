/**
 * Which answered messages go to the review queue, and why. The random draw comes first
 * and ignores what the model said, so the `random` rows are a uniform sample of all
 * traffic: the one sample on which reviewers' labels measure precision and recall
 * without bias (loop/estimate.ts). Flagged messages are reviewed because acting on them
 * matters; a share of allowed messages just under a threshold because that is where the
 * model is least sure and a label teaches it most.
 */
import type { ReviewConfig } from "../config.js";
import type { ReviewReason } from "../store/types.js";

export interface Answer {
  readonly action: "allow" | "review" | "block";
  readonly lang: string;
  readonly categories: Readonly<Record<string, number>>;
}

/** The review threshold of a category for a language, as the answering engine applies it. */
export type ThresholdOf = (category: string, lang: string) => number;

export function reviewReason(answer: Answer, thresholdOf: ThresholdOf, config: ReviewConfig, random: () => number = Math.random): ReviewReason | null {
  if (config.randomShare > 0 && random() < config.randomShare) return "random";
  if (answer.action !== "allow") return "flagged";
  if (config.uncertainShare <= 0 || config.uncertainMargin <= 0) return null;
  const nearThreshold = Object.entries(answer.categories).some(([category, p]) => {
    const t = thresholdOf(category, answer.lang);
    return p < t && p >= t - config.uncertainMargin;
  });
  return nearThreshold && random() < config.uncertainShare ? "uncertain" : null;
}
