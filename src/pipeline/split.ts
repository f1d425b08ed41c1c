/**
 * Rows to training split: the first normalization pass (rules only), the validation
 * split decided on it, the lexicon of the training split, and a second pass with the
 * lexicon for the rows it can settle. Pure functions, no I/O; the heavy ones are
 * parallel.ts tasks. Kept apart from train.ts so that the steps reading them
 * (validate, split) keep their cached outputs when the learners change (a step's code
 * version follows its imports).
 */
import type { TrainingConfig } from "../config.js";
import type { Example } from "../data/datasets.js";
import { WardenError } from "../errors.js";
import { hashString } from "../features/hash.js";
import { Lexicon, buildLexicon, type LexiconEntry } from "../text/lexicon.js";
import { evasionFlags, normalizeText, type NormalizationLevel } from "../text/normalize.js";
import { mapReporting, type TaskProgress } from "./parallel.js";

/** Whether an example (by its normalized text) belongs to the validation split. */
export function isValidation(normalizedText: string, share: number, seed: number): boolean {
  return hashString(normalizedText, seed) % 10_000 < share * 10_000;
}

/** A row's rule-based normalization (no lexicon yet): what the split and the data contract read. */
export interface FirstPass {
  readonly text: string;
  /** Whether a lexicon could change its reading (only those are normalized again). */
  readonly ambiguous: boolean;
  readonly evasion: number;
}

export function firstPass(text: string, level: NormalizationLevel): FirstPass {
  const n = normalizeText(text, undefined, level);
  return { text: n.text, ambiguous: n.signals.ambiguous > 0, evasion: evasionFlags(n.signals) };
}

/** firstPass over many texts (a parallel.ts task). */
export function firstPassMany(texts: readonly string[], level: unknown, progress?: TaskProgress): FirstPass[] {
  return mapReporting(texts, (t) => firstPass(t, level as NormalizationLevel), progress);
}

/**
 * Normalize again with the lexicon, each text in the language it is labelled with (as
 * serving reads a masked letter in the language it identifies) (a parallel.ts task: the
 * lexicon travels as its entries).
 */
export function normalizeWithLexicon(texts: ReadonlyArray<readonly [text: string, lang: string]>, args: unknown, progress?: TaskProgress): FirstPass[] {
  const { lexicon, level } = args as { lexicon: LexiconEntry[]; level: NormalizationLevel };
  const known = new Lexicon(lexicon);
  return mapReporting(
    texts,
    ([t, lang]) => {
      const n = normalizeText(t, known, level, lang);
      return { text: n.text, ambiguous: n.signals.ambiguous > 0, evasion: evasionFlags(n.signals) };
    },
    progress,
  );
}

/** The functions above, as tasks parallel.ts can run on a worker thread. */
export const TASKS = {
  firstPassMany: { module: import.meta.url, name: "firstPassMany" },
  normalizeWithLexicon: { module: import.meta.url, name: "normalizeWithLexicon" },
} as const;

/** What every stage after the split reads. Row order is the order of the data files. */
export interface SplitData {
  readonly normalization: NormalizationLevel;
  readonly rows: number;
  readonly label: Uint8Array;
  /** The language each row is labelled with. */
  readonly lang: readonly string[];
  readonly dataset: readonly string[];
  readonly task: readonly string[];
  readonly normalized: readonly string[];
  /** Evasion flags of the final normalization (features use them when configured). */
  readonly evasion: Uint16Array;
  readonly train: readonly number[];
  readonly validation: readonly number[];
  /** The input text of each validation row (same order): evaluation runs it through the engine. */
  readonly validationText: readonly string[];
  readonly lexicon: Lexicon;
}

/** Which rows are held out for validation, and the lexicon of the training split (`langs`: each row's language). */
export function assignSplit(
  first: readonly FirstPass[],
  langs: readonly string[],
  config: Pick<TrainingConfig, "validationShare" | "seed">,
): { train: number[]; validation: number[]; lexicon: Lexicon; ambiguous: number[] } {
  // The split is decided on rule-normalized text, so it does not depend on the lexicon.
  const train: number[] = [];
  const validation: number[] = [];
  first.forEach((n, i) => (isValidation(n.text, config.validationShare, config.seed) ? validation : train).push(i));
  if (train.length === 0) throw new WardenError("DATA_CONTRACT", "no training examples left after the validation split.");
  // The lexicon (known words of the training split) then settles ambiguous obfuscation;
  // only texts with something it could settle are normalized again.
  const lexicon = buildLexicon(
    train.map((i) => first[i]!.text),
    train.map((i) => langs[i]!),
  );
  const ambiguous: number[] = [];
  first.forEach((f, i) => f.ambiguous && ambiguous.push(i));
  return { train, validation, lexicon, ambiguous };
}

/** The split from its parts: `again[k]` is the lexicon-normalized reading of row `assigned.ambiguous[k]`. */
export function assembleSplit(
  examples: readonly Example[],
  first: readonly FirstPass[],
  assigned: ReturnType<typeof assignSplit>,
  again: readonly FirstPass[],
  level: NormalizationLevel,
): SplitData {
  const normalized = first.map((f) => f.text);
  const evasion = Uint16Array.from(first, (f) => f.evasion);
  assigned.ambiguous.forEach((i, k) => {
    normalized[i] = again[k]!.text;
    evasion[i] = again[k]!.evasion;
  });
  return {
    normalization: level,
    rows: examples.length,
    label: Uint8Array.from(examples, (e) => e.label),
    lang: examples.map((e) => e.lang),
    dataset: examples.map((e) => e.dataset),
    task: examples.map((e) => e.task),
    normalized,
    evasion,
    train: assigned.train,
    validation: assigned.validation,
    validationText: assigned.validation.map((i) => examples[i]!.text),
    lexicon: assigned.lexicon,
  };
}

export function splitStage(
  examples: readonly Example[],
  first: readonly FirstPass[],
  config: Pick<TrainingConfig, "normalization" | "validationShare" | "seed">,
): SplitData {
  const assigned = assignSplit(
    first,
    examples.map((e) => e.lang),
    config,
  );
  const again = normalizeWithLexicon(
    assigned.ambiguous.map((i) => [examples[i]!.text, examples[i]!.lang] as const),
    { lexicon: assigned.lexicon.entries(), level: config.normalization },
  );
  return assembleSplit(examples, first, assigned, again, config.normalization);
}
