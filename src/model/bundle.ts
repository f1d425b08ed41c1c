/**
 * What one artifact holds: the lexicon the normalizer reads obfuscated words with, the
 * language identifier, the classifier keyed by its answers, and optionally the cascade's
 * heavier second stage.
 */
import { hashString } from "../features/hash.js";
import type { Lexicon } from "../text/lexicon.js";
import type { NormalizationLevel } from "../text/normalize.js";
import type { LanguageModel } from "./langid.js";
import { UNKNOWN_LANG } from "./langid.js";
import type { LinearModel } from "./linear.js";

export interface WardenModel {
  readonly normalization: NormalizationLevel;
  readonly lexicon: Lexicon;
  readonly language: LanguageModel;
  readonly classifier: LinearModel;
  readonly stage2?: SecondStage;
}

/**
 * The cascade's second stage: a heavier classifier over the same normalized text and
 * language, with its own calibration and thresholds. Stage 1 hands a message on when,
 * for some category, its calibrated log-odds are within `band` of that category's
 * review threshold (the band was chosen on validation data to hand on a set share).
 */
export interface SecondStage {
  readonly classifier: LinearModel;
  readonly band: number;
}

/** The feature namespace of a language (0, no namespace, for "unknown"). */
export function languageNamespace(lang: string): number {
  return lang === UNKNOWN_LANG ? 0 : hashString(lang, 0x6c616e67) | 1;
}

/** How far a calibrated score is from a threshold, in log-odds: what the cascade's band measures. */
export function logOddsDistance(p: number, threshold: number): number {
  const logit = (q: number): number => {
    const c = Math.min(1 - 1e-9, Math.max(1e-9, q));
    return Math.log(c / (1 - c));
  };
  return Math.abs(logit(p) - logit(threshold));
}
