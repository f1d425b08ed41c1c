/**
 * What a model card says about behaviour on test data, from one pass over the test
 * splits: per category and language, how precise and complete flagging is at the
 * review and block thresholds, and at the review threshold a platform would get by
 * stating a base rate; and the calibration (reliability) of each category.
 */
import { readExamples, type DatasetFile } from "../data/datasets.js";
import { thresholdsAtBaseRate } from "../engine/base-rates.js";
import type { Engine } from "../engine/engine.js";
import { expectedCalibrationError } from "../eval/calibration.js";
import { countsFor } from "../model/profile.js";
import { reliabilityBins, type ReliabilityBin } from "./plot.js";

export interface ThresholdFact {
  readonly category: string;
  readonly lang: string;
  readonly n: number;
  readonly positives: number;
  readonly review: number;
  readonly block: number;
  /** Of the messages at or above the threshold, the share truly positive (null when none). */
  readonly reviewPrecision: number | null;
  readonly reviewRecall: number;
  /** Of the negative test messages, the share at or above the review threshold (null when there are none). */
  readonly reviewFalsePositiveRate: number | null;
  readonly blockPrecision: number | null;
  readonly blockRecall: number;
  /** How many test messages reached each threshold (a precision from a handful says little). */
  readonly flaggedCount: number;
  readonly blockedCount: number;
  /**
   * The review threshold chosen from the model's score profile for the card's base rate
   * (what `policy.thresholds.<category>.baseRate` would give), and the test messages at
   * it as above; null without a profile.
   */
  readonly atBaseRate: { readonly review: number; readonly recall: number; readonly falsePositiveRate: number | null; readonly flaggedCount: number } | null;
}

export interface CardFacts {
  readonly limit: number | null;
  readonly thresholds: ThresholdFact[];
  readonly calibration: Array<{ category: string; n: number; ece: number; bins: ReliabilityBin[] }>;
}

export function cardFacts(engine: Engine, files: readonly DatasetFile[], limit?: number, baseRate = 0.05): CardFacts {
  const { profile } = engine;
  const chosen = new Map<string, number>();
  /** The review threshold a stated base rate gives `category` in `lang` (NaN without a profile of the category). */
  const atRate = (category: string, lang: string): number => {
    const key = `${category}\u0000${lang}`;
    let t = chosen.get(key);
    if (t === undefined) {
      const counts = profile ? countsFor(profile, category, lang) : null;
      chosen.set(key, (t = counts ? thresholdsAtBaseRate(counts, baseRate).review : NaN));
    }
    return t;
  };
  const groups = new Map<string, { category: string; lang: string; rows: Array<{ score: number; label: number; review: number; block: number; rate: number }> }>();
  const byCategory = new Map<string, { scores: number[]; labels: number[] }>();
  for (const file of files) {
    const examples = limit === undefined ? readExamples(file) : readExamples(file).slice(0, limit);
    for (const e of examples) {
      const r = engine.classify(e.text);
      const score = r.categories[e.task] ?? 0;
      const key = `${e.task}\u0000${e.lang}`;
      const g = groups.get(key) ?? { category: e.task, lang: e.lang, rows: [] };
      g.rows.push({ score, label: e.label, review: engine.flagThreshold(e.task, r.lang, r.stage), block: engine.blockThreshold(e.task, r.lang, r.stage), rate: atRate(e.task, r.lang) });
      groups.set(key, g);
      const c = byCategory.get(e.task) ?? { scores: [], labels: [] };
      c.scores.push(score);
      c.labels.push(e.label);
      byCategory.set(e.task, c);
    }
  }
  const thresholds = [...groups.values()]
    .sort((a, b) => (a.category + a.lang < b.category + b.lang ? -1 : 1))
    .map(({ category, lang, rows }) => {
      const positives = rows.filter((r) => r.label > 0).length;
      const negatives = rows.length - positives;
      const at = (pick: "review" | "block" | "rate"): { precision: number | null; recall: number; falsePositiveRate: number | null; count: number } => {
        const flagged = rows.filter((r) => r.score >= r[pick]);
        const tp = flagged.filter((r) => r.label > 0).length;
        return { precision: flagged.length ? tp / flagged.length : null, recall: positives ? tp / positives : 0, falsePositiveRate: negatives ? (flagged.length - tp) / negatives : null, count: flagged.length };
      };
      const review = at("review");
      const block = at("block");
      const rate = at("rate");
      const rateThreshold = atRate(category, lang);
      return {
        category,
        lang,
        n: rows.length,
        positives,
        review: engine.flagThreshold(category, lang),
        block: engine.blockThreshold(category, lang),
        reviewPrecision: review.precision,
        reviewRecall: review.recall,
        reviewFalsePositiveRate: review.falsePositiveRate,
        blockPrecision: block.precision,
        blockRecall: block.recall,
        flaggedCount: review.count,
        blockedCount: block.count,
        atBaseRate: Number.isNaN(rateThreshold) ? null : { review: rateThreshold, recall: rate.recall, falsePositiveRate: rate.falsePositiveRate, flaggedCount: rate.count },
      };
    });
  const calibration = [...byCategory.entries()].map(([category, c]) => ({
    category,
    n: c.scores.length,
    ece: expectedCalibrationError(c.scores, c.labels),
    bins: reliabilityBins(c.scores, c.labels),
  }));
  return { limit: limit ?? null, thresholds, calibration };
}
