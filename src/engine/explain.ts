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

function valueOf(x: SparseVector, index: number): number {
  let lo = 0;
  let hi = x.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = x.indices[mid]!;
    if (v === index) return x.values[mid]!;
    if (v < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Per-character contribution to `head`'s margin over the normalized text. */
export function characterContributions(
  input: Normalized,
  extractor: FeatureExtractor,
  model: LinearModel,
  head: number,
  x: SparseVector,
  namespace: number,
  evasion: number,
): Float64Array {
  const trace = new FeatureTrace();
  extractor.extract(input.text, x, trace, namespace, evasion);
  const occurrences = new Map<number, number>();
  for (let k = 0; k < trace.length; k++) occurrences.set(trace.index[k]!, (occurrences.get(trace.index[k]!) ?? 0) + 1);
  const perChar = new Float64Array(input.text.length);
  for (let k = 0; k < trace.length; k++) {
    const idx = trace.index[k]!;
    const c = model.contribution(idx, valueOf(x, idx), head) / occurrences.get(idx)!;
    const s = trace.start[k]!;
    const e = trace.end[k]!;
    if (e <= s) continue;
    const share = c / (e - s);
    for (let p = s; p < e; p++) perChar[p]! += share;
  }
  return perChar;
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

export function explain(
  original: string,
  input: Normalized,
  extractor: FeatureExtractor,
  model: LinearModel,
  head: number,
  x: SparseVector,
  namespace: number,
  evasion: number,
  topK = 5,
): Span[] {
  const perChar = characterContributions(input, extractor, model, head, x, namespace, evasion);
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
