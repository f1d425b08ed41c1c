/**
 * Exact attributions for a linear stage (either of the cascade's two): for each word of
 * the normalized text, how much the deciding head's margin falls when every feature
 * occurrence touching that word is taken out (its character n-grams, also those crossing
 * into its neighbours, and the word n-grams it is part of), with the vector's unit-norm
 * scaling redone as extraction would and the language held fixed. Deleting the word from
 * the message does the same, so the top span is the one whose removal lowers the score
 * most.
 * Computed from per-bucket sums, no second scoring pass: S = Σ w·u and Q = Σ u² over
 * the unscaled values u = 1 + ln(count), margin = bias + S / √Q. Word spans are mapped
 * back to the input through the normalizer's offset map.
 */
import { FeatureTrace, unscaledValue as unscaled, type FeatureExtractor, type SparseVector } from "../features/extract.js";
import { isWordUnit } from "../text/units.js";
import type { LinearModel } from "../model/linear.js";
import { toInputSpan, type Normalized } from "../text/normalize.js";

export interface Span {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly weight: number;
}

/**
 * The per-word margin drops of one message: reusable scratch (one per engine, never
 * shared between threads). A small open-addressing table maps each of the message's
 * buckets to its position in the vector (a table indexed by bucket took 2^bits entries:
 * 16 MB for stage 2); counts, removals and weights then live per
 * position in small tables that stay in cache.
 */
export class Attributor {
  private readonly trace = new FeatureTrace();
  /** Bucket → position in the vector, open addressing with linear probing; slots hold bucket + 1 (0: empty). */
  private slotKey = new Uint32Array(1024);
  private slotPosition = new Int32Array(1024);
  // Per position in the vector and per occurrence: small, reused scratch.
  private count = new Uint32Array(256);
  private removed = new Uint32Array(256);
  private weight = new Float64Array(256);
  private positionOfOccurrence = new Int32Array(1024);
  // The occurrences touching each token, grouped by token (CSR).
  private firstOf = new Int32Array(64);
  private occurrencesByToken = new Int32Array(1024);
  private lowest = new Int32Array(1024);
  private highest = new Int32Array(1024);

  constructor(
    private readonly extractor: FeatureExtractor,
    private readonly model: LinearModel,
  ) {}

  /** Per token, the fall of `head`'s margin when the token's feature occurrences are removed from `x` (extracted with this namespace and evasion). */
  private marginDrops(input: Normalized, tokenSpans: ReadonlyArray<[number, number]>, head: number, x: SparseVector, namespace: number, evasion: number): Float64Array {
    const trace = this.trace;
    trace.length = 0;
    this.extractor.traceOnly(input.text, trace, namespace, evasion);
    // Work per position in x (every traced bucket is one of x's): the tables stay small and in cache.
    const n = x.length;
    if (this.count.length < n) [this.count, this.removed, this.weight] = [new Uint32Array(2 * n), new Uint32Array(2 * n), new Float64Array(2 * n)];
    if (this.positionOfOccurrence.length < trace.length) this.positionOfOccurrence = new Int32Array(2 * trace.length);
    const { count, removed, weight, positionOfOccurrence: at } = this;
    this.indexPositions(x);
    for (let k = 0; k < n; k++) {
      count[k] = 0;
      removed[k] = 0;
      weight[k] = this.model.weight(x.indices[k]!, head);
    }
    for (let k = 0; k < trace.length; k++) count[(at[k] = this.positionOf(trace.index[k]!))]!++;
    let S = 0;
    let Q = 0;
    for (let k = 0; k < n; k++) {
      const u = unscaled(count[k]!);
      S += weight[k]! * u;
      Q += u * u;
    }
    const margin = Q > 0 ? S / Math.sqrt(Q) : 0;
    const byToken = this.groupByToken(input.text.length, tokenSpans);
    const first = this.firstOf;
    const drops = new Float64Array(tokenSpans.length);
    for (let t = 0; t < tokenSpans.length; t++) {
      const from = first[t]!;
      const to = first[t + 1]!;
      for (let i = from; i < to; i++) removed[at[byToken[i]!]!]!++;
      let s = S;
      let q = Q;
      for (let i = from; i < to; i++) {
        const j = at[byToken[i]!]!;
        if (removed[j] === 0) continue; // this bucket's change is already counted
        const before = unscaled(count[j]!);
        const after = unscaled(count[j]! - removed[j]!);
        s -= weight[j]! * (before - after);
        q -= before * before - after * after;
        removed[j] = 0;
      }
      drops[t] = margin - (q > 1e-12 ? s / Math.sqrt(q) : 0);
    }
    return drops;
  }

  /** Fills the bucket → position table for `x` (at most half full). */
  private indexPositions(x: SparseVector): void {
    const size = Math.max(1024, 1 << (33 - Math.clz32(x.length)));
    if (this.slotKey.length !== size) [this.slotKey, this.slotPosition] = [new Uint32Array(size), new Int32Array(size)];
    else this.slotKey.fill(0);
    const mask = size - 1;
    for (let k = 0; k < x.length; k++) {
      const key = x.indices[k]! + 1;
      let slot = Math.imul(key, 0x9e3779b1) & mask;
      while (this.slotKey[slot] !== 0) slot = (slot + 1) & mask;
      this.slotKey[slot] = key;
      this.slotPosition[slot] = k;
    }
  }

  /** The position in the vector of `bucket`, which must be one of its indices (every traced bucket is). */
  private positionOf(bucket: number): number {
    const key = bucket + 1;
    const mask = this.slotKey.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) & mask;
    while (this.slotKey[slot] !== key) {
      if (this.slotKey[slot] === 0) throw new Error(`bucket ${bucket} traced but not in the vector`);
      slot = (slot + 1) & mask;
    }
    return this.slotPosition[slot]!;
  }

  /**
   * Groups the trace's occurrences by the tokens they touch (an n-gram across two words
   * touches both, and every token between its first and last): firstOf[t] .. firstOf[t + 1]
   * index the returned array, which holds occurrence numbers.
   */
  private groupByToken(textLength: number, tokenSpans: ReadonlyArray<[number, number]>): Int32Array {
    const trace = this.trace;
    const T = tokenSpans.length;
    const tokenAt = new Int32Array(textLength).fill(-1);
    for (let t = 0; t < T; t++) tokenAt.fill(t, tokenSpans[t]![0], tokenSpans[t]![1]);
    if (this.firstOf.length < T + 2) this.firstOf = new Int32Array(2 * (T + 2));
    if (this.lowest.length < trace.length) [this.lowest, this.highest] = [new Int32Array(2 * trace.length), new Int32Array(2 * trace.length)];
    const { firstOf: first, lowest, highest } = this;
    first.fill(0, 0, T + 2);
    let pairs = 0;
    for (let k = 0; k < trace.length; k++) {
      // The tokens it touches, lowest..highest, found from its two ends (none: -1, -2).
      let s = trace.start[k]!;
      let e = trace.end[k]! - 1;
      while (s <= e && tokenAt[s]! < 0) s++;
      while (e >= s && tokenAt[e]! < 0) e--;
      const lo = s <= e ? tokenAt[s]! : -1;
      const hi = s <= e ? tokenAt[e]! : -2;
      lowest[k] = lo;
      highest[k] = hi;
      for (let t = lo; t <= hi; t++) first[t + 2]!++;
      pairs += hi - lo + 1;
    }
    // Prefix sums shifted by one, so the fill below advances first[t + 1] to token t's end.
    for (let t = 2; t < T + 2; t++) first[t]! += first[t - 1]!;
    if (this.occurrencesByToken.length < pairs) this.occurrencesByToken = new Int32Array(2 * pairs);
    const out = this.occurrencesByToken;
    for (let k = 0; k < trace.length; k++) for (let t = lowest[k]!; t <= highest[k]!; t++) out[first[t + 1]!++] = k;
    return out;
  }

  /** The top `topK` words of `original` by how much removing them lowers `head`'s margin, as input spans. */
  explain(original: string, input: Normalized, head: number, x: SparseVector, namespace: number, evasion: number, topK = 5): Span[] {
    const tokenSpans = tokens(input.text);
    const drops = this.marginDrops(input, tokenSpans, head, x, namespace, evasion);
    const spans: Span[] = [];
    tokenSpans.forEach(([s, e], t) => {
      const w = drops[t]!;
      if (w <= 1e-6) return;
      const span = toInputSpan(input, s, e);
      spans.push({ start: span.start, end: span.end, text: original.slice(span.start, span.end), weight: Math.round(w * 1e4) / 1e4 });
    });
    spans.sort((a, b) => b.weight - a.weight || a.start - b.start);
    return spans.slice(0, topK);
  }
}

/** Scripts written without spaces between words: a run of them is split into dictionary words. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORDS = new Intl.Segmenter(undefined, { granularity: "word" });

/** Words (runs of letters/digits; ICU's dictionary words in unspaced scripts) and runs of other visible symbols, in normalized offsets. */
function tokens(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    const word = isWordUnit(text.charCodeAt(i));
    const start = i;
    while (i < text.length && text[i] !== " " && isWordUnit(text.charCodeAt(i)) === word) i++;
    const run = text.slice(start, i);
    if (word && UNSPACED.test(run)) for (const s of WORDS.segment(run)) out.push([start + s.index, start + s.index + s.segment.length]);
    else out.push([start, i]);
  }
  return out;
}
