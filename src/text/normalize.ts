/**
 * Normalization that evasion cannot easily beat, keeping a map back to the input.
 *
 *   normalize("Ｙｏｕ ａｒｅ ａｎ 1d10t") → { text: "you are an idiot", starts, ends, signals }
 *
 * where input.slice(starts[i], ends[i]) is the input span that produced normalized
 * unit i. Passes, in order: mojibake repair → folding (NFKC, case folding, invisible
 * characters, stray combining marks, whitespace) → deobfuscation (split letters,
 * mixed-script homoglyphs, leet, stretched letters). Pure; never throws; idempotent.
 */
import { deobfuscate } from "./deobfuscate.js";
import { fold } from "./fold.js";
import type { Lexicon } from "./lexicon.js";
import { repairMojibake } from "./mojibake.js";
import { compose, type MappedText } from "./offsets.js";

/** How much hiding the normalizer undid: each count is of characters changed or removed. */
export interface EvasionSignals {
  readonly invisible: number;
  readonly marks: number;
  readonly mojibake: number;
  readonly split: number;
  readonly joined: number;
  readonly confusable: number;
  readonly leet: number;
  readonly stretched: number;
  /** Tokens whose reading a lexicon could change: with none, the lexicon changes nothing. */
  readonly ambiguous: number;
}

/** "full": every pass; "basic": folding only (NFKC, case, invisible characters), the baseline. */
export type NormalizationLevel = "full" | "basic";

/** The normalized text and what hiding it undid, without the map back to the input. */
export interface NormalizedText {
  readonly text: string;
  readonly signals: EvasionSignals;
}

export interface Normalized extends NormalizedText, MappedText {}

/**
 * Normalize `input`. With a `lexicon` (the model's known words), ambiguous leet ("ki11"),
 * masked letters ("f*ck"), stretched double letters ("goooood") and deleted spaces
 * ("youareanidiot") are read as the most probable known words.
 */
export function normalize(input: string, lexicon?: Lexicon, level: NormalizationLevel = "full"): Normalized {
  return run(input, lexicon, level, true);
}

/** The same text and signals as `normalize`, without building the offset map: for whoever does not point back into the input. */
export function normalizeText(input: string, lexicon?: Lexicon, level: NormalizationLevel = "full"): NormalizedText {
  const { text, signals } = run(input, lexicon, level, false);
  return { text, signals };
}

function run(input: string, lexicon: Lexicon | undefined, level: NormalizationLevel, offsets: boolean): Normalized {
  if (level === "basic") {
    const { mapped, invisible, marks } = fold(input, offsets);
    return { ...mapped, signals: { invisible, marks, mojibake: 0, split: 0, joined: 0, confusable: 0, leet: 0, stretched: 0, ambiguous: 0 } };
  }
  const repaired = repairMojibake(input, offsets);
  const folded = fold(repaired ? repaired.mapped.text : input, offsets);
  let mapped = repaired ? compose(repaired.mapped, folded.mapped) : folded.mapped;
  const clean = deobfuscate(mapped.text, lexicon, offsets);
  if (clean.mapped) mapped = compose(mapped, clean.mapped);
  return {
    text: mapped.text,
    starts: mapped.starts,
    ends: mapped.ends,
    signals: {
      invisible: folded.invisible,
      marks: folded.marks,
      mojibake: repaired?.repaired ?? 0,
      ...clean.counts,
    },
  };
}

/**
 * Which kinds of hiding a text shows, one bit each: a compact input for the features.
 * Split letters and deleted spaces share a bit, as the shipped model was trained.
 */
export function evasionFlags(s: EvasionSignals): number {
  return (
    (s.invisible > 0 ? 1 : 0) |
    (s.marks > 0 ? 2 : 0) |
    (s.mojibake > 0 ? 4 : 0) |
    (s.split + s.joined > 0 ? 8 : 0) |
    (s.confusable > 0 ? 16 : 0) |
    (s.leet > 0 ? 32 : 0) |
    (s.stretched > 0 ? 64 : 0)
  );
}

/** Map a span of normalized text back to the input span it came from. */
export function toInputSpan(norm: MappedText, start: number, end: number): { start: number; end: number } {
  if (end <= start || start >= norm.text.length) return { start: 0, end: 0 };
  return { start: norm.starts[start]!, end: norm.ends[Math.min(end, norm.text.length) - 1]! };
}
