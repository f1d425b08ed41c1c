/**
 * A window compared with the reference: each drift statistic with its thresholds and a
 * plain description, and the emerging terms. Every statistic is oriented so that larger
 * is worse (a drop in expected precision is reported as a positive number).
 */
import { jensenShannon, psi } from "./drift.js";
import type { Window } from "./window.js";

export interface Statistic {
  readonly value: number | null;
  /** Worth a look. */
  readonly warn: number;
  /** Acted on: the alert threshold. */
  readonly alert: number;
  readonly description: string;
}

export interface Thresholds {
  readonly scorePsi: { warn: number; alert: number };
  readonly languageJs: { warn: number; alert: number };
  readonly wordPsi: { warn: number; alert: number };
  readonly oovRateChange: { warn: number; alert: number };
  readonly evasionRateChange: { warn: number; alert: number };
  readonly flaggedRateChange: { warn: number; alert: number };
  readonly expectedPrecisionDrop: { warn: number; alert: number };
  readonly feedbackPrecisionDrop: { warn: number; alert: number };
}

/** Fewer labelled flagged messages in a window than this and feedback precision is not judged. */
export const MIN_LABELLED_FLAGGED = 30;

export const DEFAULT_THRESHOLDS: Thresholds = {
  scorePsi: { warn: 0.1, alert: 0.2 },
  languageJs: { warn: 0.05, alert: 0.1 },
  wordPsi: { warn: 0.2, alert: 0.35 },
  oovRateChange: { warn: 0.05, alert: 0.1 },
  evasionRateChange: { warn: 0.03, alert: 0.06 },
  flaggedRateChange: { warn: 0.07, alert: 0.12 },
  expectedPrecisionDrop: { warn: 0.05, alert: 0.1 },
  feedbackPrecisionDrop: { warn: 0.1, alert: 0.2 },
};

const share = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

export function driftStatistics(ref: Window, w: Window, t: Thresholds): Record<string, Statistic> {
  const refPrecision = ref.expectedFor("*").precision();
  const winPrecision = w.expectedFor("*").precision();
  const labelled = w.feedback.get("*");
  const labelledFlagged = labelled ? labelled.tp + labelled.fp : 0;
  const feedbackPrecision = labelled && labelledFlagged >= MIN_LABELLED_FLAGGED ? labelled.tp / labelledFlagged : null;
  return {
    score_psi: { value: psi(ref.scoreBins, w.scoreBins), ...t.scorePsi, description: "how far the distribution of scores moved (PSI: under 0.1 stable, over 0.2 a real shift)" },
    language_js: { value: jensenShannon(ref.languages, w.languages), ...t.languageJs, description: "how far the language mix moved (Jensen–Shannon, 0 same, 1 disjoint)" },
    word_psi: { value: psi(ref.tokenBins, w.tokenBins), ...t.wordPsi, description: "how far the words people use moved (PSI over hashed words)" },
    oov_rate_change: { value: Math.abs(w.oovRate() - ref.oovRate()), ...t.oovRateChange, description: "change in the share of words the model has never seen" },
    evasion_rate_change: { value: share(w.evasion, w.n) - share(ref.evasion, ref.n), ...t.evasionRateChange, description: "rise in the share of messages that disguise their words (l33t, look-alike letters, spacing)" },
    flagged_rate_change: { value: Math.abs(share(w.flagged, w.n) - share(ref.flagged, ref.n)), ...t.flaggedRateChange, description: "change in the share of messages flagged" },
    expected_precision_drop: {
      value: refPrecision === null || winPrecision === null ? null : refPrecision - winPrecision,
      ...t.expectedPrecisionDrop,
      description: "fall in the precision the model expects of itself (label-free, from calibrated scores)",
    },
    feedback_precision_drop: {
      value: refPrecision === null || feedbackPrecision === null ? null : refPrecision - feedbackPrecision,
      ...t.feedbackPrecisionDrop,
      description: `how far reviewers' precision of flagged messages fell below the validation precision (judged from ${MIN_LABELLED_FLAGGED} labelled flagged messages in a window)`,
    },
  };
}

export interface EmergingTerm {
  readonly term: string;
  readonly count: number;
  /** Share of flagged messages containing it, now and in the reference. */
  readonly share: number;
  readonly referenceShare: number;
}

/** Words and word pairs whose share among flagged messages rose most against the reference. */
export function emergingTerms(ref: Window, w: Window, top = 10, minCount = 5): EmergingTerm[] {
  const out: EmergingTerm[] = [];
  for (const [term, count] of w.terms) {
    if (count < minCount) continue;
    const s = share(count, w.flagged);
    const r = share(ref.terms.get(term) ?? 0, ref.flagged);
    if (s > 2 * r) out.push({ term, count, share: s, referenceShare: r });
  }
  return out.sort((a, b) => b.share - b.referenceShare - (a.share - a.referenceShare)).slice(0, top);
}
