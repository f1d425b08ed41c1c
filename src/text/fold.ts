/**
 * The folding pass: lone surrogates → U+FFFD; default-ignorable characters (zero-width,
 * bidi controls, soft hyphen, variation selectors) and C0 controls dropped; each base
 * character with its combining marks NFKC-normalized and case-folded as one cluster
 * (fancy styles such as ｆｕｌｌｗｉｄｔｈ and 𝐛𝐨𝐥𝐝 become plain letters); piles of
 * combining marks dropped, and marks that do not compose stripped from Latin, Greek
 * and Cyrillic letters; whitespace runs collapsed to one space.
 *
 * `invisible` counts only the dropped characters that stood inside a word ("i\u200bdiot"):
 * that is hiding. Between emoji (the joiner in 👨‍👩‍👧, the variation selector in ❤️) they
 * are ordinary text, and counting them made the signal mean "has emoji".
 */
import { foldGreekTonos } from "./greek.js";
import type { NormalizationLevel } from "./normalize.js";
import { MappedTextBuilder, type MappedText } from "./offsets.js";
import { bmpTable, isWordCodePoint, isWordUnit } from "./units.js";

/** What folding drops: default-ignorable characters (zero-width, bidi controls, soft hyphen, variation selectors) and controls. */
const DROPPED_CHAR = /^[\p{Default_Ignorable_Code_Point}\p{Cc}]$/u;
// A combining mark, or one of the four characters whose NFKC form starts with one (Thai
// and Lao AM, halfwidth katakana voicing marks): they attach to the base before them, as
// NFKC of the whole string would attach them (ｶﾞ → ガ).
const MARK = /^[\p{M}\u0e33\u0eb3\uff9e\uff9f]$/u;
const SPACE = /^\s$/u;
const FOLD_EXTRA = /[ςı]/g;
const GENERIC_DIACRITIC = /^[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]$/;
const COMBINING = /^\p{M}$/u;
const MARK_LEFT = /\p{M}/u;
const LGC_LETTER = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]$/u;

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Length in UTF-16 units of the code point at i; a lone surrogate counts as 1. */
function codePointLength(input: string, i: number): number {
  const c = input.charCodeAt(i);
  if (isHighSurrogate(c) && i + 1 < input.length && isLowSurrogate(input.charCodeAt(i + 1))) return 2;
  return 1;
}

/** At the full normalization level the Greek tonos is folded too (greek.ts). */
export function fold(input: string, offsets: boolean, level: NormalizationLevel): { mapped: MappedText; invisible: number; marks: number } {
  const greekTonos = level === "full";
  const single = SINGLE[level];
  const out = new MappedTextBuilder(input.length, offsets);
  const invisible = new InsideWordCounter();
  const marksAhead = new MarkLookahead(input);
  let marks = 0;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input.charCodeAt(i);
    // ASCII fast path: no NFKC work needed unless a combining mark follows.
    if (c < 0x80 && !(i + 1 < n && mayStartMarks(input.charCodeAt(i + 1)) && marksAhead.at(i + 1))) {
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        invisible.pushed(" ");
        pushSpace(out, i, i + 1);
      } else if (c >= 0x41 && c <= 0x5a) {
        invisible.pushed(input[i]!);
        out.push(String.fromCharCode(c + 32), i, i + 1);
      } else if (c >= 0x20 && c !== 0x7f) {
        invisible.pushed(input[i]!);
        out.push(input[i]!, i, i + 1);
      }
      else invisible.dropped(c); // other C0 controls are dropped
      i++;
      continue;
    }
    const len = codePointLength(input, i);
    const lone = len === 1 && (isHighSurrogate(c) || isLowSurrogate(c));
    // Most characters stand alone (no combining mark follows): fold them once, then cache
    // by code point (a lone surrogate is read as U+FFFD), so that a hit builds no string.
    if (i + len >= n || !marksAhead.at(i + len)) {
      const key = lone ? 0xfffd : len === 2 ? input.codePointAt(i)! : c;
      let folded = single.get(key);
      if (folded === undefined) {
        folded = foldSingle(String.fromCodePoint(key), greekTonos);
        if (single.size < SINGLE_CACHE_LIMIT) single.set(key, folded);
      }
      if (folded === DROPPED) invisible.dropped(c);
      else {
        invisible.pushed(folded);
        if (folded === " ") pushSpace(out, i, i + len);
        else out.push(folded, i, i + len);
      }
      i += len;
      continue;
    }
    let ch = lone ? "\ufffd" : input.slice(i, i + len);
    if (DROPPED_CHAR.test(ch)) {
      invisible.dropped(c);
      i += len;
      continue;
    }
    if (SPACE.test(ch)) {
      invisible.pushed(" ");
      pushSpace(out, i, i + len);
      i += len;
      continue;
    }
    // A cluster: this code point plus the combining marks that follow it. Dropped
    // characters among them (a combining grapheme joiner, a zero-width space, a control)
    // do not end it: were a dropped character to cut the marks off their base, folding
    // the output again would join them and fold them differently.
    let j = i + len;
    const clusterMarks: string[] = [];
    while (j < n && marksAhead.at(j)) {
      const l2 = codePointLength(input, j);
      const next = input.slice(j, j + l2);
      if (MARK.test(next) && !DROPPED_CHAR.test(next)) clusterMarks.push(next);
      else invisible.dropped(next.charCodeAt(0));
      j += l2;
    }
    // A pile of three or more marks is decoration (z̷̢̛a̸̡l̶g̵o̴): the generic diacritics in
    // it go, while the base character keeps its own accents (a precomposed ü stays ü)
    // and script-specific marks (Arabic harakat, Devanagari signs) stay.
    const kept = clusterMarks.length >= 3 ? clusterMarks.filter((m) => !GENERIC_DIACRITIC.test(m)) : clusterMarks;
    marks += clusterMarks.length - kept.length;
    ch += kept.join("");
    const composed = caseFold(ch);
    const stripped = stripDecoration(composed);
    marks += composed.length - stripped.length;
    const folded = greekTonos ? foldGreekTonos(stripped) : stripped;
    // NFKC can itself produce whitespace (e.g. U+3000 ideographic space).
    if (folded.length > 0) {
      invisible.pushed(folded);
      if (SPACE.test(folded)) pushSpace(out, i, j);
      else out.push(folded, i, j);
    }
    i = j;
  }
  return { mapped: out.finish(), invisible: invisible.count, marks };
}

/** Scripts whose spelling uses the zero-width (non-)joiner: after their letters and signs it is no hiding. */
const JOINING_SCRIPT = /[\p{M}\p{Script=Arabic}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}]/u;

/** Counts dropped characters that stand between two word characters (letters, marks, digits). */
class InsideWordCounter {
  count = 0;
  private last = "";
  private afterWord = false;
  private pending = 0;

  /** A character (its first UTF-16 unit) was dropped. */
  dropped(unit: number): void {
    if (!this.afterWord) return;
    if ((unit === 0x200c || unit === 0x200d) && JOINING_SCRIPT.test(this.last)) return;
    this.pending++;
  }

  /** `text` was kept: it settles the pending drops, and may start the next word's run. */
  pushed(text: string): void {
    if (this.pending > 0 && isWordCodePoint(text.codePointAt(0)!)) this.count += this.pending;
    this.pending = 0;
    this.last = text;
    const last = text.charCodeAt(text.length - 1);
    this.afterWord = isLowSurrogate(last) ? isWordCodePoint(text.codePointAt(text.length - 2)!) : isWordUnit(last);
  }
}

const DROPPED = "";
/** Lone code points folded, one cache per level. */
const SINGLE: Record<NormalizationLevel, Map<number, string>> = { basic: new Map(), full: new Map() };
const SINGLE_CACHE_LIMIT = 100_000;

/** A lone code point folded: DROPPED (invisible, control), " " (space) or its folded form. */
function foldSingle(ch: string, greekTonos: boolean): string {
  if (DROPPED_CHAR.test(ch)) return DROPPED;
  if (SPACE.test(ch)) return " ";
  const folded = stripDecoration(caseFold(ch));
  if (SPACE.test(folded)) return " ";
  return greekTonos ? foldGreekTonos(folded) : folded;
}

/**
 * NFKC and full case folding. Case folding also maps final sigma to σ (ΣΟΦΟΣ and σοφος
 * meet); dotless ı folds to i because rAnDoM cAsE turns it into I.
 */
function caseFold(s: string): string {
  if (SPACING_ACCENT.test(s)) return s[0]! + caseFold(s.slice(1));
  return s.normalize("NFKC").toLowerCase().replace(FOLD_EXTRA, (c) => (c === "ς" ? "σ" : "i"));
}

/**
 * Spacing accents (´ ¨ ˘ ΅ ῍, the isolated Arabic harakat ﹰ…) stay as written: NFKC turns
 * each into a space and a combining mark, which splits "don´t" in two, leaves a mark
 * floating, and folds differently again once the space is collapsed. Exactly the
 * characters whose NFKC form is a space followed by marks (a test checks the list).
 */
export const SPACING_ACCENT = /^[\u00a8\u00af\u00b4\u00b8\u02d8-\u02dd\u037a\u0384\u0385\u1fbd\u1fbf-\u1fc1\u1fcd-\u1fcf\u1fdd-\u1fdf\u1fed\u1fee\u1ffd\u1ffe\u2017\u203e\u309b\u309c\ufc5e-\ufc63\ufe49-\ufe4c\ufe70\ufe72\ufe74\ufe76\ufe78\ufe7a\ufe7c\ufe7e\uffe3]/;

/**
 * Marks left uncomposed on a Latin, Greek or Cyrillic letter are decoration (s̶t̶r̶i̶k̶e̶) and
 * go; on other scripts (Arabic harakat, Devanagari signs) they are spelling and stay.
 * Decided per base letter, so that the answer does not depend on where a cluster ends.
 */
function stripDecoration(folded: string): string {
  if (!MARK_LEFT.test(folded)) return folded;
  let out = "";
  let onLgcLetter = false;
  for (const c of folded) {
    if (COMBINING.test(c)) {
      if (!onLgcLetter) out += c;
    } else {
      onLgcLetter = LGC_LETTER.test(c);
      out += c;
    }
  }
  return out;
}

const MARK_BMP = bmpTable(MARK);
const DROPPED_BMP = bmpTable(DROPPED_CHAR);

/** Whether a UTF-16 unit can begin a run of marks, possibly behind dropped characters (cheap pre-check). */
function mayStartMarks(unit: number): boolean {
  return unit >= 0x300 || DROPPED_BMP[unit] === 1;
}

/**
 * Whether a combining mark starts at j, or follows it behind characters that folding
 * drops. It remembers the last run it read: every position in a run of dropped
 * characters has the same answer, so a run is read once, not once per character (8,000
 * zero-width spaces took 137 ms to fold when each asked again).
 */
class MarkLookahead {
  private from = -1;
  private to = -1;
  private answer = false;

  constructor(private readonly input: string) {}

  at(j: number): boolean {
    if (j >= this.from && j <= this.to) return this.answer;
    const input = this.input;
    const n = input.length;
    let k = j;
    let answer = false;
    while (k < n) {
      const len = codePointLength(input, k);
      if (matchesAt(MARK_BMP, MARK, input, k, len)) {
        answer = true;
        break;
      }
      if (!matchesAt(DROPPED_BMP, DROPPED_CHAR, input, k, len)) break;
      k += len;
    }
    this.from = j;
    this.to = k;
    this.answer = answer;
    return answer;
  }
}

/** Whether the code point of `len` units at k is in a class: its BMP table, or the regex for an astral one. */
function matchesAt(table: Uint8Array, re: RegExp, input: string, k: number, len: number): boolean {
  return len === 1 ? table[input.charCodeAt(k)] === 1 : re.test(input.slice(k, k + len));
}

function pushSpace(out: MappedTextBuilder, start: number, end: number): void {
  if (out.length > 0 && out.lastUnit() === " ") out.extendLast(end);
  else out.push(" ", start, end);
}
