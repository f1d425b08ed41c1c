/**
 * Normalization that evasion cannot easily beat, keeping a map back to the input.
 *
 *   normalize("Ｙｏｕ ａｒｅ ａｎ 1d10t") → { text: "you are an idiot", starts, ends, signals }
 *
 * where input.slice(starts[i], ends[i]) is the input span that produced normalized
 * unit i. Passes, in order: mojibake repair → folding (NFKC, case folding, invisible
 * characters, stray combining marks, whitespace, the Greek tonos) → deobfuscation
 * (split letters, mixed-script homoglyphs, leet, stretched letters).
 * Pure; never throws; idempotent.
 */
import { deobfuscate, type EvasionCounts } from "./deobfuscate.js";
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
  /** Of `leet`, masked letters: only these read differently in another language. */
  readonly masked: number;
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
 * ("youareanidiot") are read as the most probable known words; with the text's `lang`
 * too, a masked letter is read as a word of that language first ("s*ch": "sich" in
 * German, "such" in English).
 */
export function normalize(input: string, lexicon?: Lexicon, level: NormalizationLevel = "full", lang?: string): Normalized {
  return run(input, lexicon, level, true, lang);
}

/** The same text and signals as `normalize`, without building the offset map: for whoever does not point back into the input. */
export function normalizeText(input: string, lexicon?: Lexicon, level: NormalizationLevel = "full", lang?: string): NormalizedText {
  const { text, signals } = run(input, lexicon, level, false, lang);
  return { text, signals };
}

function run(input: string, lexicon: Lexicon | undefined, level: NormalizationLevel, offsets: boolean, lang: string | undefined): Normalized {
  if (level === "basic") {
    const { mapped, invisible, marks } = fold(input, offsets, "basic");
    return { ...mapped, signals: { invisible, marks, mojibake: 0, split: 0, joined: 0, confusable: 0, leet: 0, masked: 0, stretched: 0, ambiguous: 0 } };
  }
  const folded = repairAndFold(input, offsets);
  let { mapped, marks } = folded;
  let clean = deobfuscate(mapped.text, lexicon, offsets, lang);
  const counts = { ...clean.counts };
  // Some deobfuscation gives work to a second round: a homoglyph read towards the
  // message's script changes which script that is; leet read, letters rejoined or words
  // split apart make new words; a mark on what became a letter ("1̶" → "i̶", "5́" → "ś")
  // is work for folding. Repeat the two passes after them until they change nothing, so
  // that normalizing the output changes nothing either. Shortened stretches alone do not
  // call for a round: they are common in plain text ("sooo"), and a round after them
  // cost a fifth more normalization time for next to no change.
  for (let round = 1; clean.mapped; round++) {
    mapped = compose(mapped, clean.mapped);
    const marked = COMBINING_MARK.test(mapped.text);
    if (round >= MAX_ROUNDS || !(marked || reshapesWords(clean.counts))) break;
    if (marked) {
      const refolded = fold(mapped.text, offsets, "full");
      mapped = compose(mapped, refolded.mapped);
      marks += refolded.marks;
    }
    clean = deobfuscate(mapped.text, lexicon, offsets, lang);
    for (const key of SUMMED_COUNTS) counts[key] += clean.counts[key];
  }
  return {
    text: mapped.text,
    starts: mapped.starts,
    ends: mapped.ends,
    signals: { invisible: folded.invisible, marks, mojibake: folded.mojibake, ...counts },
  };
}

const COMBINING_MARK = /\p{M}/u;

/** Whether deobfuscation made or remade words (see `run`). */
function reshapesWords(counts: EvasionCounts): boolean {
  return counts.confusable + counts.split + counts.joined + counts.leet > 0;
}

/** Counts of changes add up over rounds; `ambiguous` counts tokens, which a second round sees again. */
const SUMMED_COUNTS = ["split", "joined", "confusable", "leet", "masked", "stretched"] as const;

/** Rounds of a pass and the one before it at most: a round that changes anything is rare, this only bounds pathological input. */
const MAX_ROUNDS = 4;

/**
 * Mojibake repair, then folding, again while anything repairs: folding can bring mojibake
 * together ("ßS\u030c" folds to "ßš", the bytes of "ߚ"). One pass would leave what a
 * second normalization still changes.
 */
function repairAndFold(input: string, offsets: boolean): { mapped: MappedText; invisible: number; marks: number; mojibake: number } {
  let repaired = repairAll(input, offsets);
  const first = fold(repaired ? repaired.mapped.text : input, offsets, "full");
  let mapped = repaired ? compose(repaired.mapped, first.mapped) : first.mapped;
  let { invisible, marks } = first;
  let mojibake = repaired?.repaired ?? 0;
  for (let round = 1; round < MAX_ROUNDS && (repaired = repairAll(mapped.text, offsets)); round++) {
    const folded = fold(repaired.mapped.text, offsets, "full");
    mapped = compose(mapped, compose(repaired.mapped, folded.mapped));
    invisible += folded.invisible;
    marks += folded.marks;
    mojibake += repaired.repaired;
  }
  return { mapped, invisible, marks, mojibake };
}

/** Mojibake repaired until nothing more repairs: text encoded twice ("ÃƒÂ©") needs two repairs, before folding lowercases the first one's output. */
function repairAll(input: string, offsets: boolean): { mapped: MappedText; repaired: number } | null {
  let result = repairMojibake(input, offsets);
  for (let round = 1; result && round < MAX_ROUNDS; round++) {
    const again = repairMojibake(result.mapped.text, offsets);
    if (!again) break;
    result = { mapped: compose(result.mapped, again.mapped), repaired: result.repaired + again.repaired };
  }
  return result;
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
