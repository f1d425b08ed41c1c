/**
 * What one artifact holds: the lexicon the normalizer reads obfuscated words with, the
 * language identifier, and the classifier keyed by its answers.
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
}

/** The feature namespace of a language (0, no namespace, for "unknown"). */
export function languageNamespace(lang: string): number {
  return lang === UNKNOWN_LANG ? 0 : hashString(lang, 0x6c616e67) | 1;
}
