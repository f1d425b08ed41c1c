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
import { MappedTextBuilder, type MappedText } from "./offsets.js";
import { bmpTable, isWordCodePoint, isWordUnit } from "./units.js";

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const MARK = /^\p{M}$/u;
const SPACE = /^\s$/u;
const CONTROL = /^\p{Cc}$/u;
const FOLD_EXTRA = /[ςı]/g;
const GENERIC_DIACRITIC = /^[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]$/;
const MARKS = /\p{M}/gu;
const MARK_LEFT = /\p{M}/u;
const LGC_LETTER = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]+$/u;

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

export function fold(input: string, offsets = true): { mapped: MappedText; invisible: number; marks: number } {
  const out = new MappedTextBuilder(input.length, offsets);
  const invisible = new InsideWordCounter();
  let marks = 0;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input.charCodeAt(i);
    // ASCII fast path: no NFKC work needed unless a combining mark follows.
    if (c < 0x80 && !(i + 1 < n && input.charCodeAt(i + 1) >= 0x300)) {
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
    let ch = input.slice(i, i + len);
    if (len === 1 && (isHighSurrogate(c) || isLowSurrogate(c))) ch = "\ufffd";
    // Most characters stand alone (no combining mark follows): fold them once, then cache.
    if (i + len >= n || !startsWithMark(input, i + len)) {
      let folded = SINGLE.get(ch);
      if (folded === undefined) {
        folded = foldSingle(ch);
        if (SINGLE.size < SINGLE_CACHE_LIMIT) SINGLE.set(ch, folded);
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
    if (IGNORABLE.test(ch) || CONTROL.test(ch)) {
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
    // A cluster: this code point plus the combining marks that follow it (invisible
    // ones, such as the combining grapheme joiner, are dropped but do not end it).
    let j = i + len;
    const clusterMarks: string[] = [];
    while (j < n) {
      const l2 = codePointLength(input, j);
      const next = input.slice(j, j + l2);
      if (!MARK.test(next)) break;
      if (IGNORABLE.test(next)) invisible.dropped(next.charCodeAt(0));
      else clusterMarks.push(next);
      j += l2;
    }
    // A pile of three or more marks is decoration (z̷̢̛a̸̡l̶g̵o̴): the generic diacritics in
    // it go, while the base character keeps its own accents (a precomposed ü stays ü)
    // and script-specific marks (Arabic harakat, Devanagari signs) stay.
    const kept = clusterMarks.length >= 3 ? clusterMarks.filter((m) => !GENERIC_DIACRITIC.test(m)) : clusterMarks;
    marks += clusterMarks.length - kept.length;
    ch += kept.join("");
    // Full case folding also maps final sigma to σ (ΣΟΦΟΣ and σοφος meet); dotless ı
    // folds to i because rAnDoM cAsE turns it into I.
    let folded = ch.normalize("NFKC").toLowerCase().replace(FOLD_EXTRA, (c) => (c === "ς" ? "σ" : "i"));
    // Marks that did not compose are decoration on Latin, Greek and Cyrillic letters (s̶t̶r̶i̶k̶e̶).
    if (MARK_LEFT.test(folded)) {
      const stripped = folded.replace(MARKS, "");
      if (LGC_LETTER.test(stripped)) {
        marks += folded.length - stripped.length;
        folded = stripped;
      }
    }
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
const SINGLE = new Map<string, string>();
const SINGLE_CACHE_LIMIT = 100_000;

/** A lone code point folded: DROPPED (invisible, control), " " (space) or its folded form. */
function foldSingle(ch: string): string {
  if (IGNORABLE.test(ch) || CONTROL.test(ch)) return DROPPED;
  if (SPACE.test(ch)) return " ";
  let folded = ch.normalize("NFKC").toLowerCase().replace(FOLD_EXTRA, (c) => (c === "ς" ? "σ" : "i"));
  if (MARK_LEFT.test(folded)) {
    const stripped = folded.replace(MARKS, "");
    if (LGC_LETTER.test(stripped)) folded = stripped;
  }
  return SPACE.test(folded) ? " " : folded;
}

const MARK_BMP = bmpTable(MARK);

function startsWithMark(input: string, j: number): boolean {
  const c = input.charCodeAt(j);
  if (!isHighSurrogate(c)) return MARK_BMP[c] === 1;
  return MARK.test(input.slice(j, j + codePointLength(input, j)));
}

function pushSpace(out: MappedTextBuilder, start: number, end: number): void {
  if (out.length > 0 && out.lastUnit() === " ") out.extendLast(end);
  else out.push(" ", start, end);
}
