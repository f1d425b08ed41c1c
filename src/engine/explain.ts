/**
 * Exact attributions for the linear stage: for each word of the normalized text, how
 * much the deciding head's margin falls when every feature occurrence touching that
 * word is taken out (its character n-grams, also those crossing into its neighbours,
 * and the word n-grams it is part of), with the vector's unit-norm scaling redone as
 * extraction would and the language held fixed. Deleting the word from the message
 * does the same, so the top span is the one whose removal lowers the score most.
 * Computed from per-bucket sums, no second scoring pass: S = Σ w·u and Q = Σ u² over
 * the unscaled values u = 1 + ln(count), margin = bias + S / √Q. Word spans are mapped
 * back to the input through the normalizer's offset map.
 */
import { FeatureTrace, isWordUnit, type FeatureExtractor, type SparseVector } from "../features/extract.js";
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
 * shared between threads). Per bucket, the occurrence count and the count taken out
 * live in dense tables indexed by bucket, cleared after each use by visiting only the
 * message's own buckets: no map and no search per occurrence.
 */
export class Attributor {
  private readonly trace = new FeatureTrace();
  private counts: Uint32Array | null = null;
  private removed: Uint32Array | null = null;

  constructor(
    private readonly extractor: FeatureExtractor,
    private readonly model: LinearModel,
  ) {}

  /** Per token, the fall of `head`'s margin when the token's feature occurrences are removed from `x` (extracted with this namespace and evasion). */
  private marginDrops(input: Normalized, tokenSpans: ReadonlyArray<[number, number]>, head: number, x: SparseVector, namespace: number, evasion: number): Float64Array {
    const trace = this.trace;
    trace.length = 0;
    this.extractor.traceOnly(input.text, trace, namespace, evasion);
    // Allocated on the first explanation only: an engine that never explains pays nothing.
    const counts = (this.counts ??= new Uint32Array(this.extractor.dimension));
    const removed = (this.removed ??= new Uint32Array(this.extractor.dimension));
    for (let k = 0; k < trace.length; k++) counts[trace.index[k]!]!++;
    const weight = (b: number): number => this.model.contribution(b, 1, head);
    const unscaled = (c: number): number => (c > 0 ? 1 + Math.log(c) : 0);
    // Every traced bucket is one of x's (x is the trace's buckets, merged).
    let S = 0;
    let Q = 0;
    for (let k = 0; k < x.length; k++) {
      const b = x.indices[k]!;
      const u = unscaled(counts[b]!);
      S += weight(b) * u;
      Q += u * u;
    }
    const margin = Q > 0 ? S / Math.sqrt(Q) : 0;
    // The occurrences touching each token (an n-gram across two words touches both), grouped by token.
    const tokenAt = new Int32Array(input.text.length).fill(-1);
    tokenSpans.forEach(([s, e], t) => tokenAt.fill(t, s, e));
    const byToken: number[][] = tokenSpans.map(() => []);
    for (let k = 0; k < trace.length; k++) {
      let last = -1;
      for (let p = trace.start[k]!; p < trace.end[k]!; p++) {
        const t = tokenAt[p]!;
        if (t < 0 || t === last) continue;
        byToken[t]!.push(k);
        last = t;
      }
    }
    const drops = new Float64Array(tokenSpans.length);
    byToken.forEach((occurrences, t) => {
      for (const k of occurrences) removed[trace.index[k]!]!++;
      let s = S;
      let q = Q;
      for (const k of occurrences) {
        const b = trace.index[k]!;
        if (removed[b] === 0) continue; // this bucket's change is already counted
        const before = unscaled(counts[b]!);
        const after = unscaled(counts[b]! - removed[b]!);
        s -= weight(b) * (before - after);
        q -= before * before - after * after;
        removed[b] = 0;
      }
      drops[t] = margin - (q > 1e-12 ? s / Math.sqrt(q) : 0);
    });
    for (let k = 0; k < x.length; k++) counts[x.indices[k]!] = 0;
    return drops;
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
