/**
 * Text normalization that keeps a map back to the input.
 *
 * normalize("ＨＥＬＬＯ\u200b wörld") → { text: "hello wörld", starts, ends }
 * where input.slice(starts[i], ends[i]) is the input span that produced normalized char i.
 *
 * Steps: lone surrogates → U+FFFD; default-ignorable characters (zero-width, bidi
 * controls, soft hyphen, variation selectors) dropped; each base character with its
 * combining marks NFKC-normalized and case-folded as one cluster; whitespace runs
 * collapsed to one space. Pure, never throws.
 */
export interface Normalized {
  /** The normalized text. */
  readonly text: string;
  /** For each UTF-16 unit of `text`, the start of the input span it came from. */
  readonly starts: Int32Array;
  /** For each UTF-16 unit of `text`, the end (exclusive) of the input span it came from. */
  readonly ends: Int32Array;
}

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const MARK = /^\p{M}$/u;
const SPACE = /^\s$/u;
const FINAL_SIGMA = /ς/g;

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

class OffsetBuilder {
  private parts: string[] = [];
  starts: Int32Array;
  ends: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.starts = new Int32Array(Math.max(16, capacity));
    this.ends = new Int32Array(Math.max(16, capacity));
  }
  push(s: string, start: number, end: number): void {
    const need = this.length + s.length;
    if (need > this.starts.length) {
      const cap = Math.max(need, this.starts.length * 2);
      const ns = new Int32Array(cap);
      ns.set(this.starts);
      const ne = new Int32Array(cap);
      ne.set(this.ends);
      this.starts = ns;
      this.ends = ne;
    }
    for (let k = 0; k < s.length; k++) {
      this.starts[this.length + k] = start;
      this.ends[this.length + k] = end;
    }
    this.length = need;
    this.parts.push(s);
  }
  lastChar(): string {
    const last = this.parts[this.parts.length - 1];
    return last === undefined ? "" : last[last.length - 1] ?? "";
  }
  /** Widen the span of the last output unit to reach `end` (a collapsed whitespace run). */
  extendLast(end: number): void {
    this.ends[this.length - 1] = end;
  }
  finish(): Normalized {
    return {
      text: this.parts.join(""),
      starts: this.starts.subarray(0, this.length),
      ends: this.ends.subarray(0, this.length),
    };
  }
}

export function normalize(input: string): Normalized {
  const out = new OffsetBuilder(input.length);
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input.charCodeAt(i);
    // ASCII fast path: no NFKC work needed unless a combining mark follows.
    if (c < 0x80 && !(i + 1 < n && input.charCodeAt(i + 1) >= 0x300)) {
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        pushSpace(out, i, i + 1);
      } else if (c >= 0x41 && c <= 0x5a) {
        out.push(String.fromCharCode(c + 32), i, i + 1);
      } else if (c >= 0x20 && c !== 0x7f) {
        out.push(input[i]!, i, i + 1);
      }
      // other C0 controls are dropped
      i++;
      continue;
    }
    const len = codePointLength(input, i);
    let ch = input.slice(i, i + len);
    if (len === 1 && (isHighSurrogate(c) || isLowSurrogate(c))) ch = "\ufffd";
    if (IGNORABLE.test(ch)) {
      i += len;
      continue;
    }
    if (SPACE.test(ch)) {
      pushSpace(out, i, i + len);
      i += len;
      continue;
    }
    // A cluster: this code point plus the combining marks that follow it.
    let j = i + len;
    while (j < n) {
      const l2 = codePointLength(input, j);
      const next = input.slice(j, j + l2);
      if (!MARK.test(next) || IGNORABLE.test(next)) break;
      ch += next;
      j += l2;
    }
    // Full case folding also maps final sigma to σ, so ΣΟΦΟΣ and σοφος meet.
    const folded = ch.normalize("NFKC").toLowerCase().replace(FINAL_SIGMA, "σ");
    // NFKC can itself produce whitespace (e.g. U+3000 ideographic space).
    if (folded.length > 0 && SPACE.test(folded)) pushSpace(out, i, j);
    else if (folded.length > 0) out.push(folded, i, j);
    i = j;
  }
  return out.finish();
}

function pushSpace(out: OffsetBuilder, start: number, end: number): void {
  if (out.length > 0 && out.lastChar() === " ") out.extendLast(end);
  else out.push(" ", start, end);
}

/** Map a span of normalized text back to the input span it came from. */
export function toInputSpan(norm: Normalized, start: number, end: number): { start: number; end: number } {
  if (end <= start || start >= norm.text.length) return { start: 0, end: 0 };
  return { start: norm.starts[start]!, end: norm.ends[Math.min(end, norm.text.length) - 1]! };
}
