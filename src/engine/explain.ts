/**
 * Exact attributions for the linear stage: each feature's contribution (weight × value)
 * to the deciding head's margin is spread over the characters its occurrences cover,
 * summed per word of the normalized text, and mapped back to the input through the
 * normalizer's offset map. The top positive spans explain the score.
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
 * The per-character contributions of one message: reusable scratch (one per engine,
 * never shared between threads). Per bucket, the feature's value and how many
 * occurrences share it live in dense tables indexed by bucket, cleared after each use
 * by visiting only the message's own buckets: no map and no search per occurrence.
 */
export class Attributor {
  private readonly trace = new FeatureTrace();
  // Float32 like the vector's values, so the table holds them exactly.
  private values: Float32Array | null = null;
  private occurrences: Uint32Array | null = null;

  constructor(
    private readonly extractor: FeatureExtractor,
    private readonly model: LinearModel,
  ) {}

  /** Per-character contribution to `head`'s margin over the normalized text, whose features `x` are (extracted with this namespace and evasion). */
  private characterContributions(input: Normalized, head: number, x: SparseVector, namespace: number, evasion: number): Float64Array {
    const trace = this.trace;
    trace.length = 0;
    this.extractor.traceOnly(input.text, trace, namespace, evasion);
    // Allocated on the first explanation only: an engine that never explains pays nothing.
    const values = (this.values ??= new Float32Array(this.extractor.dimension));
    const occurrences = (this.occurrences ??= new Uint32Array(this.extractor.dimension));
    // Every traced bucket is one of x's (x is the trace's buckets, merged).
    for (let k = 0; k < x.length; k++) values[x.indices[k]!] = x.values[k]!;
    for (let k = 0; k < trace.length; k++) occurrences[trace.index[k]!]!++;
    const perChar = new Float64Array(input.text.length);
    for (let k = 0; k < trace.length; k++) {
      const s = trace.start[k]!;
      const e = trace.end[k]!;
      if (e <= s) continue;
      const idx = trace.index[k]!;
      const share = this.model.contribution(idx, values[idx]!, head) / occurrences[idx]! / (e - s);
      for (let p = s; p < e; p++) perChar[p]! += share;
    }
    for (let k = 0; k < x.length; k++) occurrences[x.indices[k]!] = 0;
    return perChar;
  }

  /** The top `topK` words of `original` by their contribution to `head`, as input spans. */
  explain(original: string, input: Normalized, head: number, x: SparseVector, namespace: number, evasion: number, topK = 5): Span[] {
    const perChar = this.characterContributions(input, head, x, namespace, evasion);
    const spans: Span[] = [];
    for (const [s, e] of tokens(input.text)) {
      let w = 0;
      for (let p = s; p < e; p++) w += perChar[p]!;
      if (w <= 1e-6) continue;
      const span = toInputSpan(input, s, e);
      spans.push({ start: span.start, end: span.end, text: original.slice(span.start, span.end), weight: Math.round(w * 1e4) / 1e4 });
    }
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
