/**
 * Undo deliberate obfuscation on folded (lower-case, NFKC) text, keeping an offset map:
 *  - letters split by spaces or symbols rejoined: "s t u p i d", "s.t.u.p.i.d", "s🤬t🤬u"
 *  - homoglyphs mapped only inside mixed-script words, towards the word's own script:
 *    "idiоt" (Cyrillic о) → "idiot", "идиoт" (Latin o) → "идиот"; genuine Russian or
 *    Greek words are never touched. Latin lookalike letters (ꜱᴍᴀʟʟ ᴄᴀᴘꜱ, IPA) → plain.
 *  - leet digits and symbols mapped only inside otherwise-Latin words: "1d10t", "$h1t"
 *  - runs of three or more identical Latin, Greek or Cyrillic letters inside a word shortened: "stuuuupid"
 * Each rule counts what it changed: hiding is evidence.
 */
import confusables from "unhomoglyph/data.json" with { type: "json" };
import type { Lexicon } from "./lexicon.js";
import { MappedTextBuilder, compose, type MappedText } from "./offsets.js";
import { bmpTable, isWordCodePoint } from "./units.js";

export interface EvasionCounts {
  /** Letters of words spread apart with spaces or symbols, rejoined. */
  split: number;
  /** Spaces put back into words run together ("youareanidiot", "#thefinalfour"). */
  joined: number;
  confusable: number;
  /** Leet digits and symbols read as letters, masked letters included. */
  leet: number;
  /** Of those, masked letters ("f*ck"): their reading depends on the language (a lexicon's words of it come first). */
  masked: number;
  stretched: number;
  /** Tokens whose reading a lexicon could change (mixed scripts, leet, masks, stretches). */
  ambiguous: number;
}

type Script = "latin" | "cyrillic" | "greek" | "other";

function scriptOf(ch: string): Script {
  const c = ch.charCodeAt(0);
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0x24f) || (c >= 0x1e00 && c <= 0x1eff)) return "latin";
  if (c >= 0x400 && c <= 0x52f) return "cyrillic";
  if (c >= 0x370 && c <= 0x3ff) return "greek";
  return "other";
}

/**
 * Single-letter confusables between Latin, Cyrillic and Greek lower case (UTS #39 data):
 * the letters an attacker can swap without the word looking different.
 */
const TO_LATIN = new Map<string, string>();
const FROM_LATIN: Record<"cyrillic" | "greek", Map<string, string>> = { cyrillic: new Map(), greek: new Map() };
/** Latin letters that only imitate others (small capitals, IPA): always mapped. */
const LATIN_LOOKALIKE = new Map<string, string>();
for (const [from, to] of Object.entries(confusables as Record<string, string>)) {
  // only letters that folding leaves alone (so normalizing twice changes nothing)
  if (to.length !== 1 || !/[a-z]/.test(to) || from.length !== 1 || from !== from.normalize("NFKC").toLowerCase()) continue;
  const script = scriptOf(from);
  const code = from.charCodeAt(0);
  if (script === "cyrillic" || script === "greek") {
    if (!TO_LATIN.has(from)) TO_LATIN.set(from, to);
    if (!FROM_LATIN[script].has(to)) FROM_LATIN[script].set(to, from);
  } else if ((code >= 0x250 && code <= 0x2af) || (code >= 0x1d00 && code <= 0x1dbf) || (code >= 0xa720 && code <= 0xa7ff)) {
    LATIN_LOOKALIKE.set(from, to);
  }
}

/** A letter that has a look-alike in another of the three scripts. */
function isConfusable(u: string, script: Script): boolean {
  if (script === "latin") return FROM_LATIN.cyrillic.has(u) || FROM_LATIN.greek.has(u);
  return TO_LATIN.has(u);
}

// Small capitals are not in the confusables table (they do not look like lower case),
// but ꜱᴍᴀʟʟ ᴄᴀᴘꜱ is a favourite way to dodge filters.
const SMALL_CAPS = "ᴀaʙbᴄcᴅdᴇeꜰfɢgʜhɪiᴊjᴋkʟlᴍmɴnᴏoᴘpǫqʀrꜱsᴛtᴜuᴠvᴡwʏyᴢz";
for (let k = 0; k < SMALL_CAPS.length; k += 2) LATIN_LOOKALIKE.set(SMALL_CAPS[k]!, SMALL_CAPS[k + 1]!);


const LETTER = /^\p{L}$/u;
const LETTER_BMP = bmpTable(LETTER);
/**
 * The token pass asks these of every character of a message it reads: table lookups for
 * one-unit strings, the regular expression only for the rest (astral characters, and
 * units the pass has changed into "" or "x ").
 */
function isLetter(ch: string): boolean {
  return ch.length === 1 ? isLetterCp(ch.charCodeAt(0)) : LETTER.test(ch);
}
/** A letter, mark or digit (one code point). */
function isWordChar(ch: string): boolean {
  if (ch.length === 1) return isWordCodePoint(ch.charCodeAt(0));
  const cp = ch.codePointAt(0)!;
  return ch.length === 2 && cp > 0xffff && isWordCodePoint(cp);
}
const MARK_UNIT = /^\p{M}$/u;
/** What may separate the letters of a split word (`ch`: one code point): anything but letters, digits and apostrophes ("i'm a"). */
function isSplitSeparator(ch: string): boolean {
  return isSeparatorCp(ch.codePointAt(0)!);
}

/**
 * A Hangul syllable block is a whole syllable, and Korean puts a space between words,
 * many of them one syllable long ("잘 할 듯", "더 안 좋아"): spaces between single
 * syllables are ordinary Korean, not a split word. Symbols between them ("개.새.끼") still are.
 */
function isHangulSyllable(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c >= 0xac00 && c <= 0xd7a3;
}

/** A letter whose runs are stretching: Latin, Greek or Cyrillic. */
function isStretchable(u: string): boolean {
  return isLetter(u) && scriptOf(u) !== "other";
}

/** Whether `neighbour` is a letter of `letter`'s script. */
function sameScript(neighbour: string, letter: string): boolean {
  return isLetter(neighbour) && scriptOf(neighbour) === scriptOf(letter);
}

/** Code points of a string with their UTF-16 offsets, side by side (no pair allocated per character). */
interface CodePoints {
  readonly chars: string[];
  readonly offsets: number[];
}

function codePoints(text: string): CodePoints {
  const chars: string[] = [];
  const offsets: number[] = [];
  let i = 0;
  for (const ch of text) {
    chars.push(ch);
    offsets.push(i);
    i += ch.length;
  }
  return { chars, offsets };
}

/**
 * Rejoin runs of ≥ 3 single letters separated by one kind of separator (spaces, or
 * symbols such as . - _ * / emoji), except Hangul syllables separated by spaces.
 * Returns null when nothing was split.
 */
function rejoin(text: string, counts: EvasionCounts, lexicon: Lexicon | undefined, offsets: boolean): MappedText | null {
  const { chars, offsets: at } = codePoints(text);
  const n = chars.length;
  const keep = new Uint8Array(n).fill(1);
  let changed = false;
  let i = 0;
  while (i < n) {
    // a run starts at a letter that is not glued to a preceding letter
    const glued = (i > 0 && isWordChar(chars[i - 1]!)) || (i + 1 < n && isWordChar(chars[i + 1]!));
    if (!isLetter(chars[i]!) || glued) {
      i++;
      continue;
    }
    const letters = [i];
    const separators: number[][] = [];
    let kind: "space" | "symbol" | null = null;
    let j = i + 1;
    while (j < n) {
      // a separator run of up to 3 units: all spaces, or symbols (spaces allowed among them)
      const sep: number[] = [];
      let k = j;
      while (k < n && sep.length < 3 && isSplitSeparator(chars[k]!)) sep.push(k++);
      if (sep.length === 0) break;
      const sepKind = sep.every((s) => chars[s]! === " ") ? "space" : "symbol";
      if (kind !== null && sepKind !== kind) break;
      // then a single letter, not glued to another word unit
      if (k >= n || !isLetter(chars[k]!) || (k + 1 < n && isWordChar(chars[k + 1]!))) break;
      kind = sepKind;
      separators.push(sep);
      letters.push(k);
      j = k + 1;
    }
    const lastHangul = kind === "space" ? letters.findLast((l) => isHangulSyllable(chars[l]!)) : undefined;
    if (letters.length >= 3 && lastHangul === undefined) {
      for (const sep of separators) for (const s of sep) keep[s] = 0;
      counts.split += letters.length;
      counts.ambiguous++;
      changed = true;
      // Adjacent spaced-out words run together ("d â n k h ổ"): the lexicon puts the
      // word boundaries back, as a space in place of the separator after each piece.
      const word = letters.map((l) => chars[l]!).join("");
      const pieces = lexicon && lexicon.count(word) === 0 ? lexicon.segment(word) : null;
      if (pieces) {
        let at = 0;
        for (const piece of pieces.slice(0, -1)) {
          at += Array.from(piece).length;
          keep[separators[at - 1]![0]!] = 2;
        }
      }
      i = letters[letters.length - 1]! + 1;
    } else {
      // A run starting at a later letter of this one, but its last, is this one's tail (its
      // separators are of the same kind); one that starts at or before the last Hangul
      // syllable holds that syllable too. Scanning each of them again (quadratic in a long
      // run of spaced syllables) would find nothing.
      const last = letters[letters.length - 1]!;
      i = letters.length >= 3 && lastHangul !== undefined ? Math.min(lastHangul + 1, last) : i + 1;
    }
  }
  if (!changed) return null;
  const out = new MappedTextBuilder(text.length, offsets);
  chars.forEach((ch, idx) => {
    const off = at[idx]!;
    if (keep[idx] === 1) out.push(ch, off, off + ch.length);
    else if (keep[idx] === 2) out.push(" ", off, off + ch.length);
  });
  return out.finish();
}

/** Leet substitutions; the first reading is the default, the others are tried against the lexicon. */
const LEET_READINGS: Record<string, string[]> = {
  "0": ["o"], "1": ["i", "l"], "3": ["e"], "4": ["a"], "5": ["s"], "6": ["g"], "7": ["t"], "8": ["b"], "9": ["g"],
  "@": ["a"], $: ["s"], "!": ["i", "l"], "|": ["l", "i"],
};
const MASKS = new Set(["*", "#", "%"]);
/** Number-like digits are read as letters only for a word this common (1 in 10,000 words). */
const MIN_LOG10_P_NUMBER_READING = -4;
const MAX_CANDIDATES = 32;

/** One step of a candidate spelling: its choice at one position, and the steps before it. */
interface Choice {
  readonly option: string;
  readonly before: Choice | null;
}

/**
 * Every combination of per-position options, first options first; past MAX_CANDIDATES,
 * only the first ones in that order. Candidates grow as linked steps and are spelled out
 * once at the end: copying every prefix at every position cost the token's length squared
 * (a 20,000-character token of letter runs took 1.7 s).
 */
function combinations(options: string[][]): string[][] {
  let out: Array<Choice | null> = [null];
  for (const opts of options) {
    const next: Array<Choice | null> = [];
    for (const before of out) for (const option of opts) if (next.length < MAX_CANDIDATES) next.push({ option, before });
    out = next;
  }
  return out.map((last) => {
    const spelled = new Array<string>(options.length);
    for (let c = last, i = options.length - 1; c !== null; c = c.before, i--) spelled[i] = c.option;
    return spelled;
  });
}

/**
 * The script a mixed-script word is really written in, or null for a code-mixed word:
 * letters with no look-alike in two scripts ("catάκι", "#giatinpareaκαλησπέρα") are
 * no disguise, since a homoglyph attack swaps in only look-alikes.
 */
function targetScript(units: string[], context: Script, lexicon?: Lexicon): Script | null {
  const tally = { latin: 0, cyrillic: 0, greek: 0, other: 0 };
  const distinctive = new Set<Script>();
  for (const u of units) {
    if (!isLetter(u)) continue;
    const s = scriptOf(u);
    tally[s]++;
    if (s !== "other" && !isConfusable(u, s)) distinctive.add(s);
  }
  // letters with no look-alike in one script give the word away; else the spelling the lexicon knows;
  // else the message's script; else the majority
  if (distinctive.size > 1) return null;
  if (distinctive.size === 1) return [...distinctive][0]!;
  if (distinctive.size === 0 && lexicon) {
    const scripts = ["latin", "cyrillic", "greek"] as const;
    const spellings = scripts.map((t) => units.map((u) => toScript(u, t) ?? u).join(""));
    const known = lexicon.best(spellings);
    if (known !== undefined) return scripts[spellings.indexOf(known)]!;
  }
  if (distinctive.size === 0 && context !== "other" && tally[context] > 0) return context;
  return (["latin", "cyrillic", "greek"] as const).reduce((a, b) => (tally[b] > tally[a] ? b : a));
}

function toScript(u: string, target: Script): string | undefined {
  const s = scriptOf(u);
  if (s === target || s === "other") return undefined;
  const latin = s === "latin" ? u : TO_LATIN.get(u);
  if (latin === undefined) return undefined;
  return target === "latin" ? latin : target === "other" ? undefined : FROM_LATIN[target].get(latin);
}

/** Homoglyphs in one run of letters, mapped towards the run's own script. */
function mapScripts(run: string[], context: Script, counts: EvasionCounts, lexicon?: Lexicon): string[] {
  const scripts = new Set(run.filter((u) => isLetter(u)).map(scriptOf));
  scripts.delete("other");
  // A word made only of Cyrillic or Greek look-alikes inside a Latin message ("соса") is
  // read as Latin only when the lexicon knows the Latin reading and not the word itself:
  // genuine Greek or Russian words stay as they are.
  const disguisedWhole =
    scripts.size === 1 && context === "latin" && !scripts.has("latin") && run.length > 1 && run.every((u) => !isLetter(u) || isConfusable(u, scriptOf(u)));
  const readAsLatin =
    disguisedWhole && lexicon !== undefined && lexicon.count(run.join("")) === 0 && lexicon.count(run.map((u) => toScript(u, "latin") ?? u).join("")) > 0;
  if (scripts.size <= 1 && !readAsLatin) return run;
  const target = scripts.size > 1 ? targetScript(run, context, lexicon) : "latin";
  if (target === null) return run;
  return run.map((u) => {
    const mapped = toScript(u, target);
    if (mapped === undefined) return u;
    counts.confusable++;
    return mapped;
  });
}

/** Map one token's units (confusables, leet, masks, stretching); "" marks a dropped unit. */
function deobfuscateToken(units: string[], context: Script, counts: EvasionCounts, lexicon?: Lexicon, lang?: string): string[] {
  if (isInert(units, context)) return units;
  // 1. Latin look-alike letters; homoglyphs towards the word's own script
  let out = units.map((u) => {
    const plain = LATIN_LOOKALIKE.get(u);
    if (plain !== undefined) counts.confusable++;
    return plain ?? u;
  });
  const scripts = new Set(out.filter((u) => isLetter(u)).map(scriptOf));
  scripts.delete("other");
  if (
    scripts.size > 1 ||
    (scripts.size === 1 && context === "latin" && !scripts.has("latin")) ||
    (out.some((u) => u in LEET_READINGS || MASKS.has(u)) && out.some((u) => isLetter(u))) ||
    out.some((u, k) => k >= 2 && u === out[k - 1] && u === out[k - 2] && isStretchable(u)) ||
    out.length >= MIN_SEGMENT_LENGTH
  ) {
    counts.ambiguous++;
  }
  // scripts are settled per run of letters: "σενα!#shopping" is two words, not one mixed one
  for (let k = 0; k < out.length; ) {
    if (!isLetter(out[k]!)) {
      k++;
      continue;
    }
    let end = k;
    while (end < out.length && (isLetter(out[end]!) || MARK_UNIT.test(out[end]!))) end++;
    const mapped = mapScripts(out.slice(k, end), context, counts, lexicon);
    for (let z = k; z < end; z++) out[z] = mapped[z - k]!;
    k = end;
  }

  // 2. leet, only in otherwise-Latin words (with one letter only when the lexicon
  //    confirms the reading: "7h353"); masked letters in words of any script
  const letters = out.filter((u) => isLetter(u));
  const latin = letters.every((u) => scriptOf(u) === "latin");
  const leet = latin && out.some((u) => u in LEET_READINGS) && (letters.length >= 2 || (lexicon !== undefined && letters.length === 1 && out.length >= 3));
  const masked = lexicon !== undefined && letters.length >= 2 && out.some((u, i) => MASKS.has(u) && i > 0 && i < out.length - 1);
  if (leet || masked) out = resolveLeet(out, counts, lexicon, letters.length >= 2 && latin, lang);

  // 3. runs of ≥ 3 identical Latin, Greek or Cyrillic letters inside a word → one, or two
  //    when that spells a known word. In other scripts a run is a word of its own
  //    (ㅋㅋㅋㅋ, ههههه, 哈哈哈: laughter, whose length carries meaning), and so is a run
  //    with no letter of its script beside it (xxx, zzz, the "ooo" that blanks a name):
  //    no word is stretched, so they are left as written.
  const runs: Array<[number, number]> = [];
  for (let k = 0; k < out.length; ) {
    let r = k;
    while (r + 1 < out.length && out[r + 1] === out[k]) r++;
    // only a run of three or more needs the script checks (most units are not in one)
    if (r - k >= 2 && isStretchable(out[k]!) && ((k > 0 && sameScript(out[k - 1]!, out[k]!)) || (r + 1 < out.length && sameScript(out[r + 1]!, out[k]!)))) runs.push([k, r]);
    k = r + 1;
  }
  if (runs.length === 0) return segmentRun(out, counts, lexicon);
  let keep: number[] = runs.map(() => 1);
  // the shortest spelling keeps one letter of every run: past the longest known word, no
  // spelling is one, so none is built
  let shortest = 0;
  for (const u of out) shortest += u.length;
  for (const [a, b] of runs) shortest -= (b - a) * out[a]!.length;
  if (lexicon && shortest <= lexicon.maxLength) {
    const choices = combinations(runs.map(() => ["1", "2"]));
    const spell = (c: string[]): string => {
      const parts: string[] = [];
      let k = 0;
      runs.forEach(([a, b], idx) => {
        parts.push(out.slice(k, a).join(""), out[a]!.repeat(Number(c[idx])));
        k = b + 1;
      });
      return parts.join("") + out.slice(k).join("");
    };
    const spelled = choices.map(spell);
    const best = lexicon.best(spelled);
    if (best !== undefined) keep = choices[spelled.indexOf(best)]!.map(Number);
  }
  runs.forEach(([a, b], idx) => {
    counts.stretched += b - a + 1 - keep[idx]!;
    for (let z = a + keep[idx]!; z <= b; z++) out[z] = "";
  });
  return segmentRun(out, counts, lexicon);
}

/** The characters some step of deobfuscateToken reads as others: look-alike letters, leet and masks (all one unit long). */
const READ_AS_OTHER = new Uint8Array(65536);
for (const ch of [...LATIN_LOOKALIKE.keys(), ...Object.keys(LEET_READINGS), ...MASKS]) {
  if (ch.length !== 1) throw new Error(`isInert reads one-unit characters by table; ${JSON.stringify(ch)} is not one`);
  READ_AS_OTHER[ch.charCodeAt(0)] = 1;
}

/**
 * Whether none of deobfuscateToken's steps applies to `units`, so that it returns them as
 * they are and counts nothing: a short token (no segmenting) with no look-alike, leet or
 * mask symbol, no run of three equal units, and letters of one script that is the
 * message's own (or not Latin, Cyrillic or Greek). A new step there must be excluded
 * here too. Most tokens of a message that needs the token pass are like this, and this
 * check costs a fraction of the pass (scripts/fingerprint.mjs confirms the outputs).
 */
function isInert(units: readonly string[], context: Script): boolean {
  if (units.length >= MIN_SEGMENT_LENGTH) return false;
  let script: Script = "other";
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    if (u.length === 1 && READ_AS_OTHER[u.charCodeAt(0)] === 1) return false;
    if (k >= 2 && u === units[k - 1] && u === units[k - 2] && isStretchable(u)) return false;
    const s = scriptOf(u);
    if (s === "other") continue;
    if (script !== "other" && s !== script) return false;
    script = s;
  }
  return script === "other" || context !== "latin" || script === "latin";
}

/**
 * Scripts written without spaces: a long run of them is normal text, not deleted spaces.
 * Bare Hangul jamo too: they are chat shorthand (ㅋㅋㅋ, ㅈㄴ), not letters of words.
 */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\u1100-\u11ff\u3130-\u318f]/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
/** Shorter runs are left alone: "youidiot" keeps enough shared n-grams as it is, and most real words are shorter. */
const MIN_SEGMENT_LENGTH = 12;
const LETTER_OR_MARK_BMP = bmpTable(LETTER_OR_MARK);

/**
 * Whether a message's code points (decodeCodePoints) hold a run of MIN_SEGMENT_LENGTH
 * letters or marks: asked of every message, in one pass, where the regular expression
 * /[\p{L}\p{M}]{12,}/u started again at every letter of every word.
 */
function hasLongRun(cps: Int32Array): boolean {
  let run = 0;
  for (let p = 0; p < cps.length; p++) {
    run = cpMatches(cps[p]!, LETTER_OR_MARK_BMP, LETTER_OR_MARK) ? run + 1 : 0;
    if (run >= MIN_SEGMENT_LENGTH) return true;
  }
  return false;
}
const LONG_RUNS = new RegExp(`[\\p{L}\\p{M}]{${MIN_SEGMENT_LENGTH},}`, "gu");

/** Insert the deleted spaces into the long letter runs of `text` that the lexicon can split. */
function segmentLongRuns(text: string, lexicon: Lexicon, counts: EvasionCounts, offsets: boolean): MappedText | null {
  let out: MappedTextBuilder | null = null;
  let copied = 0;
  for (const m of text.matchAll(LONG_RUNS)) {
    if (UNSPACED_SCRIPT.test(m[0])) continue;
    const pieces = lexicon.segment(m[0]);
    if (!pieces) continue;
    out ??= new MappedTextBuilder(text.length + 8, offsets);
    for (let k = copied; k < m.index; k++) out.push(text[k]!, k, k + 1);
    let at = m.index;
    pieces.forEach((piece, p) => {
      for (let k = 0; k < piece.length; k++, at++) out!.push(text[at]!, at, at + 1);
      if (p < pieces.length - 1) out!.push(" ", at - 1, at);
    });
    counts.joined += pieces.length - 1;
    copied = at;
  }
  if (!out) return null;
  for (let k = copied; k < text.length; k++) out.push(text[k]!, k, k + 1);
  return out.finish();
}

/** 4. deleted spaces: long letter runs in the token that the lexicon can split get their spaces back. */
function segmentRun(units: string[], counts: EvasionCounts, lexicon?: Lexicon): string[] {
  if (!lexicon || units.length < MIN_SEGMENT_LENGTH) return units;
  const out = [...units];
  let k = 0;
  while (k < out.length) {
    // a run of letter units ("" units, already dropped, do not break it)
    if (out[k] !== "" && !LETTER_OR_MARK.test(out[k]!)) {
      k++;
      continue;
    }
    let end = k;
    while (end < out.length && (out[end] === "" || LETTER_OR_MARK.test(out[end]!))) end++;
    const run = out.slice(k, end);
    const word = run.join("");
    const pieces = word.length >= MIN_SEGMENT_LENGTH && !UNSPACED_SCRIPT.test(word) ? lexicon.segment(word) : null;
    if (pieces) {
      counts.joined += pieces.length - 1;
      // a space follows the unit that ends each piece but the last
      const boundaries = new Set<number>();
      let length = 0;
      for (const piece of pieces.slice(0, -1)) boundaries.add((length += piece.length));
      let seen = 0;
      for (let z = k; z < end; z++) {
        if (out[z] === "") continue;
        seen += out[z]!.length;
        if (boundaries.has(seen)) out[z] += " ";
      }
    }
    k = end;
  }
  return out;
}

/**
 * Read leet digits/symbols and masked letters; the lexicon settles ambiguous readings.
 * Without `trustRules`, only a reading the lexicon confirms is taken.
 */
function resolveLeet(units: string[], counts: EvasionCounts, lexicon: Lexicon | undefined, trustRules: boolean, lang: string | undefined): string[] {
  const n = units.length;
  // a trailing number ("covid19", "win10") is a number unless the lexicon knows better
  let end = n;
  while (end > 0 && /[0-9]/.test(units[end - 1]!)) end--;
  const numberTail = n - end >= 2 ? end : n;
  // Digits that look like a number, a long run ("id613406373") or a number ahead of a
  // unit's plain letters ("10h", "100k", "1tr": a million in Vietnamese), stay digits
  // under the rules and are read as letters only when that spells a common word ("100k"
  // → "look"): a rare one ("10h" → "loh") is more likely chance than a reading.
  const numberLike = new Uint8Array(n);
  for (let a = 0; a < n; ) {
    let b = a;
    while (b < n && /[0-9]/.test(units[b]!)) b++;
    const unitAfterNumber = a === 0 && b >= 1 && (2 * b > n || n <= 3) && units.slice(b).every((u) => !(u in LEET_READINGS));
    if (b - a >= 5 || unitAfterNumber) numberLike.fill(1, a, b);
    a = Math.max(b, a + 1);
  }
  // symbols only between letters: trailing "!!" is punctuation, a leading "@" a mention ("$hit" may lead)
  const edge = (u: string): boolean => u === "!" || u === "|" || u === "@";
  let lead = 0;
  while (lead < n && edge(units[lead]!)) lead++;
  let trail = n;
  while (trail > lead && edge(units[trail - 1]!)) trail--;
  const options = units.map((u, i) => {
    const readings = LEET_READINGS[u];
    if (readings === undefined) return [u];
    const edgeSymbol = edge(u) && (i < lead || i >= trail);
    const rule = edgeSymbol || i >= numberTail || numberLike[i] === 1 || !trustRules ? [u] : readings;
    return lexicon ? [...new Set([...rule, ...readings, u])] : rule;
  });
  // The word a candidate spells: an edge symbol left as it is counts as punctuation, so
  // "am!" weighs "am" against "ami" and "@ss" weighs "ss" against "ass".
  const spelled = (c: string[]): string => c.filter((u, i) => !((i < lead || i >= trail) && u === units[i])).join("");
  // with a lexicon only a reading it confirms is taken ("#final4gr" stays); without one, the rules
  let chosen = lexicon ? [...units] : options.map((o) => o[0]!);
  const hasMask = units.some((u, i) => MASKS.has(u) && i > 0 && i < n - 1);
  // Every candidate spells at least the token's inner units (a masked one, all its units):
  // past the longest known word none can be one, so none is built. Building them costs the
  // token's length squared, which let one 20,000-character token take over a minute.
  let innerLength = 0;
  for (let i = lead; i < trail; i++) innerLength += units[i]!.length;
  if (lexicon && (hasMask ? n : innerLength) <= lexicon.maxLength) {
    const candidates = combinations(options);
    let found: string[] | undefined;
    let foundCount = 0;
    for (const c of candidates) {
      if (hasMask) {
        const m = lexicon.match(c.map((u, i) => (MASKS.has(u) && i > 0 && i < n - 1 ? null : u)), lang);
        if (m === undefined) continue;
        const count = lexicon.count(m);
        if (!found || count > foundCount) [found, foundCount] = [Array.from(m), count];
      } else {
        const word = spelled(c);
        const count = lexicon.count(word);
        const readsNumber = c.some((u, i) => numberLike[i] === 1 && u !== units[i]);
        if (readsNumber && lexicon.log10P(word) < MIN_LOG10_P_NUMBER_READING) continue;
        if (count > foundCount) [found, foundCount] = [c, count];
      }
    }
    if (found && found.length === n) chosen = found;
  }
  chosen.forEach((u, i) => {
    if (u === units[i]) return;
    counts.leet++;
    if (MASKS.has(units[i]!)) counts.masked++;
  });
  return chosen;
}

/** What a token is made of: word characters, and the symbols leet and masks write letters with. */
function isTokenUnit(ch: string): boolean {
  return isWordChar(ch) || (ch.length === 1 && isLeetOrMaskSymbol(ch.charCodeAt(0)));
}

/** @ $ ! | * # %: the symbols that leet and masks write letters with. */
function isLeetOrMaskSymbol(cp: number): boolean {
  switch (cp) {
    case 0x40: // @
    case 0x24: // $
    case 0x21: // !
    case 0x7c: // |
    case 0x2a: // *
    case 0x23: // #
    case 0x25: // %
      return true;
    default:
      return false;
  }
}

/** The script most letters of the text are in. */
function dominantScript(text: string): Script {
  const tally = { latin: 0, cyrillic: 0, greek: 0, other: 0 };
  // look-alike letters (ʜ, ᴀ) count as the Latin letters the token pass reads them as
  for (const ch of text) {
    if (!isLetter(ch)) continue;
    const script = scriptOf(ch);
    tally[script === "other" && LATIN_LOOKALIKE.has(ch) ? "latin" : script]++;
  }
  return (["latin", "cyrillic", "greek", "other"] as const).reduce((a, b) => (tally[b] > tally[a] ? b : a));
}

/** Latin, Greek and Cyrillic characters: the scripts whose runs of three are stretching. */
const STRETCH_SCRIPT = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]$/u;
const STRETCH_SCRIPT_BMP = bmpTable(STRETCH_SCRIPT);
/** Reused by decodeCodePoints: the pre-checks run on every message. */
let codePointScratch = new Int32Array(256);

/** A message's code points, as the pre-checks read them (a lone surrogate is one of its own): a view of reused scratch, valid until the next call. */
function decodeCodePoints(text: string): Int32Array {
  if (codePointScratch.length < text.length) codePointScratch = new Int32Array(2 * text.length);
  const out = codePointScratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out[n++] = ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00) + 0x10000;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Whether code point `cp` matches `re` (one code point), by table in the Basic Multilingual Plane. */
function cpMatches(cp: number, table: Uint8Array, re: RegExp): boolean {
  return cp < 0x10000 ? table[cp] === 1 : re.test(String.fromCodePoint(cp));
}

const isLetterCp = (cp: number): boolean => cpMatches(cp, LETTER_BMP, LETTER);
const isLetterOrMarkCp = (cp: number): boolean => cpMatches(cp, LETTER_OR_MARK_BMP, LETTER_OR_MARK);
const isAsciiDigit = (cp: number): boolean => cp >= 0x30 && cp <= 0x39;
/** What may separate split letters: not a letter, mark or digit, nor an apostrophe (' ’ ` ´; ʼ is a letter). */
const isSeparatorCp = (cp: number): boolean => !isWordCodePoint(cp) && cp !== 0x27 && cp !== 0x2019 && cp !== 0x60 && cp !== 0xb4;

/** Whether split letters start at the letter cps[p]: two more single letters, each after 1–3 separators, then no word character. */
function splitFrom(cps: Int32Array, n: number, p: number): boolean {
  let q = p + 1;
  for (let letter = 0; letter < 2; letter++) {
    // a fourth separator in a row is not a letter either: the check below fails on it
    let run = 0;
    while (q + run < n && run < 3 && isSeparatorCp(cps[q + run]!)) run++;
    if (run === 0) return false;
    q += run;
    if (q >= n || !isLetterCp(cps[q]!)) return false;
    q++;
  }
  return q >= n || !isWordCodePoint(cps[q]!);
}

/**
 * What any rule above could act on; most messages have none of it and skip the token
 * pass entirely. One scan over the message's code points (decodeCodePoints) for any of:
 *  - split letters: a letter not after a word character, then twice 1–3 separators and
 *    a letter, then no word character ("s t u", "s.t.u")
 *  - leet and masks: a letter or mark before a digit or one of @ $ ! | * # %, or a digit
 *    or $ before a letter (a leading @, ! or | is never leet)
 *  - stretching: three equal Latin, Greek or Cyrillic characters
 *  - Latin look-alike letters (U+0250–02AF, U+1D00–1DBF, U+A720–A7FF)
 * It answers as the one regular expression of these four did (a property test holds it
 * to that), at a fraction of the cost: the expression tried all four at every position.
 */
export function mightChange(cps: Int32Array): boolean {
  const n = cps.length;
  for (let p = 0; p < n; p++) {
    const c = cps[p]!;
    if ((c >= 0x250 && c <= 0x2af) || (c >= 0x1d00 && c <= 0x1dbf) || (c >= 0xa720 && c <= 0xa7ff)) return true;
    if (p + 1 < n) {
      const d = cps[p + 1]!;
      if (isLetterOrMarkCp(c) && (isAsciiDigit(d) || isLeetOrMaskSymbol(d))) return true;
      if ((isAsciiDigit(c) || c === 0x24) && isLetterCp(d)) return true;
      if (p + 2 < n && d === c && cps[p + 2] === c && cpMatches(c, STRETCH_SCRIPT_BMP, STRETCH_SCRIPT)) return true;
    }
    if (isLetterCp(c) && (p === 0 || !isWordCodePoint(cps[p - 1]!)) && splitFrom(cps, n, p)) return true;
  }
  return false;
}

const HAS_LATIN = /[a-z\u00c0-\u024f\u1e00-\u1eff]/;
const HAS_CYRILLIC_OR_GREEK = /[\u0370-\u052f]/;

/** With a `lang` (the message's), masked letters are read as that language's words first. */
export function deobfuscate(text: string, lexicon?: Lexicon, offsets = true, lang?: string): { mapped: MappedText | null; counts: EvasionCounts } {
  const counts: EvasionCounts = { split: 0, joined: 0, confusable: 0, leet: 0, masked: 0, stretched: 0, ambiguous: 0 };
  const cps = decodeCodePoints(text);
  const tokenPass = mightChange(cps) || (HAS_LATIN.test(text) && HAS_CYRILLIC_OR_GREEK.test(text));
  // without a lexicon a long run is not an ambiguity the token pass needs to look at
  if (!tokenPass && !hasLongRun(cps)) return { mapped: null, counts };
  if (!tokenPass) {
    // only long letter runs to look at: the fast path splits just those the lexicon can
    counts.ambiguous = 1;
    return { mapped: lexicon ? segmentLongRuns(text, lexicon, counts, offsets) : null, counts };
  }
  const joined = rejoin(text, counts, lexicon, offsets);
  const source = joined ? joined.text : text;
  const { chars, offsets: at } = codePoints(source);
  const context = dominantScript(source);
  const out = new MappedTextBuilder(source.length, offsets);
  let changed = joined !== null;
  let i = 0;
  while (i < chars.length) {
    if (!isTokenUnit(chars[i]!)) {
      out.push(chars[i]!, at[i]!, at[i]! + chars[i]!.length);
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && isTokenUnit(chars[j]!)) j++;
    const units = chars.slice(i, j);
    const mapped = deobfuscateToken(units, context, counts, lexicon, lang);
    for (let k = 0; k < mapped.length; k++) {
      const orig = chars[i + k]!;
      const off = at[i + k]!;
      if (mapped[k] !== orig) changed = true;
      if (mapped[k] !== "") out.push(mapped[k]!, off, off + orig.length);
    }
    i = j;
  }
  if (!changed) return { mapped: null, counts };
  const inner = out.finish();
  if (!joined) return { mapped: inner, counts };
  return { mapped: compose(joined, inner), counts };
}
