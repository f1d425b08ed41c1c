/**
 * The moderation policy: per-category thresholds turn calibrated probabilities into
 * an action. `score` is the highest probability among the categories; the action is
 * the strongest one any category reaches.
 */
import type { PolicyConfig } from "../config.js";

export type Action = "allow" | "review" | "block";

export interface Decision {
  readonly score: number;
  readonly action: Action;
  readonly flagged: boolean;
  /** Index of the category that decided the score. */
  readonly top: number;
}

export class Policy {
  private readonly review: Float64Array;
  private readonly block: Float64Array;

  constructor(readonly categories: readonly string[], config: PolicyConfig) {
    this.review = new Float64Array(categories.length);
    this.block = new Float64Array(categories.length);
    categories.forEach((c, i) => {
      const t = config.thresholds[c] ?? config.defaultThreshold;
      this.review[i] = t.review;
      this.block[i] = t.block;
    });
  }

  decide(probabilities: ArrayLike<number>): Decision {
    let score = 0;
    let top = 0;
    let action: Action = "allow";
    for (let i = 0; i < this.categories.length; i++) {
      const p = probabilities[i]!;
      if (p > score) {
        score = p;
        top = i;
      }
      if (p >= this.block[i]!) action = "block";
      else if (p >= this.review[i]! && action === "allow") action = "review";
    }
    return { score, action, flagged: action !== "allow", top };
  }
}
