/**
 * The moderation policy: per-category thresholds turn calibrated probabilities into
 * an action. A category's review threshold is the one configured for the text's
 * language, else the one configured for the category, else the model's validated
 * threshold for the text's language; its block threshold is the one configured for the
 * language, else for the category, else `policy.block`. `score` is the highest
 * probability among the categories; the action is the strongest one any category reaches.
 */
import type { PolicyConfig } from "../config.js";
import type { LinearModel } from "../model/linear.js";

export type Action = "allow" | "review" | "block";

/** The category with the highest probability (among `among`, when given); null when there is none. */
export function topCategory(categories: Readonly<Record<string, number>>, among?: readonly string[]): string | null {
  let best: string | null = null;
  for (const [c, p] of Object.entries(categories)) {
    if (among && !among.includes(c)) continue;
    if (best === null || p > categories[best]!) best = c;
  }
  return best;
}

export interface Decision {
  readonly score: number;
  readonly action: Action;
  readonly flagged: boolean;
  /** Index of the category that decided the action (or, when allowed, scored highest). */
  readonly top: number;
}

/** Configured thresholds per head (undefined where not configured). */
interface Configured {
  readonly review: Array<number | undefined>;
  readonly block: Array<number | undefined>;
}

export class Policy {
  private readonly review: Array<number | undefined>;
  private readonly block: Float64Array;
  /** Per language, where any category configures thresholds for it. */
  private readonly byLanguage = new Map<string, Configured>();

  constructor(
    private readonly model: LinearModel,
    config: PolicyConfig,
  ) {
    const categories = model.heads;
    this.review = categories.map((c) => config.thresholds[c]?.review);
    this.block = Float64Array.from(categories, (c) => config.thresholds[c]?.block ?? config.block);
    const langs = new Set(categories.flatMap((c) => Object.keys(config.thresholds[c]?.languages ?? {})));
    for (const lang of langs) {
      this.byLanguage.set(lang, {
        review: categories.map((c) => config.thresholds[c]?.languages?.[lang]?.review),
        block: categories.map((c) => config.thresholds[c]?.languages?.[lang]?.block),
      });
    }
  }

  /** The score at or above which `category` is flagged for text in `lang`. */
  reviewThreshold(head: number, lang: string): number {
    return this.configured(lang)?.review[head] ?? this.review[head] ?? this.model.thresholdFor(head, lang);
  }

  /** The score at or above which `head` blocks (never below its review threshold). */
  blockThreshold(head: number, lang: string): number {
    return Math.max(this.configuredBlock(head, lang), this.reviewThreshold(head, lang));
  }

  private configuredBlock(head: number, lang: string): number {
    return this.configured(lang)?.block[head] ?? this.block[head]!;
  }

  private configured(lang: string): Configured | undefined {
    return this.byLanguage.size > 0 ? this.byLanguage.get(lang) : undefined;
  }

  decide(probabilities: ArrayLike<number>, lang: string): Decision {
    let score = 0;
    let top = 0;
    let action: Action = "allow";
    let decidedBy = -1;
    for (let i = 0; i < this.model.heads.length; i++) {
      const p = probabilities[i]!;
      if (p > score) {
        score = p;
        top = i;
      }
      const review = this.reviewThreshold(i, lang);
      if (p >= Math.max(this.configuredBlock(i, lang), review)) {
        if (action !== "block" || p > probabilities[decidedBy]!) decidedBy = i;
        action = "block";
      } else if (p >= review && action !== "block") {
        if (action === "allow" || p > probabilities[decidedBy]!) decidedBy = i;
        action = "review";
      }
    }
    return { score, action, flagged: action !== "allow", top: decidedBy >= 0 ? decidedBy : top };
  }
}
