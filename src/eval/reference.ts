/**
 * The practitioner's reference the quality issue measures Warden against: a
 * TF-IDF char(1–5) + word(1–2) logistic regression trained on one dataset's
 * train split alone. Reproduces scikit-learn's defaults so the figures are
 * comparable with the quoted ones: lowercase, exact vocabulary, raw term
 * counts, smooth idf, each block l2-normalized (a FeatureUnion of two
 * TfidfVectorizers), L2-regularized logistic regression with C = 1 and an
 * unregularized intercept fitted by L-BFGS (100 iterations), threshold 0.5,
 * and balanced class weights: with them the quoted per-dataset figures are
 * reproduced (germeval2018 0.569 vs 0.567; without them 0.364).
 */

import { readExamples, splitBeside, type DatasetFile } from "../data/datasets.js";
import { evaluateScored, scoredAt, type EvalRow } from "./evaluate.js";
import { BOOTSTRAP_RESAMPLES, pairedF1Intervals, type Interval } from "./bootstrap.js";
import type { Decisions } from "./metrics.js";

const WORD = /[\p{L}\p{N}_]{2,}/gu;

/** The n-grams scikit-learn's "char" and "word" analyzers would emit. */
export function referenceTerms(text: string): string[] {
  const lower = text.toLowerCase();
  const chars = Array.from(lower.replace(/\s\s+/g, " "));
  const terms: string[] = [];
  for (let n = 1; n <= 5; n++) {
    for (let i = 0; i + n <= chars.length; i++) terms.push("c" + chars.slice(i, i + n).join(""));
  }
  const words = lower.match(WORD) ?? [];
  for (let i = 0; i < words.length; i++) {
    terms.push("w" + words[i]);
    if (i + 1 < words.length) terms.push("w" + words[i] + " " + words[i + 1]);
  }
  return terms;
}

interface SparseRows {
  readonly offsets: Uint32Array;
  readonly index: Uint32Array;
  readonly value: Float64Array;
}

class TfidfVectorizer {
  private readonly vocab = new Map<string, number>();
  private idf = new Float64Array(0);

  fit(texts: readonly string[]): void {
    const df: number[] = [];
    for (const text of texts) {
      for (const term of new Set(referenceTerms(text))) {
        let id = this.vocab.get(term);
        if (id === undefined) this.vocab.set(term, (id = df.length)), df.push(0);
        df[id]!++;
      }
    }
    this.idf = Float64Array.from(df, (d) => Math.log((1 + texts.length) / (1 + d)) + 1);
  }

  get size(): number {
    return this.idf.length;
  }

  transform(texts: readonly string[]): SparseRows {
    const offsets = new Uint32Array(texts.length + 1);
    const index: number[] = [];
    const value: number[] = [];
    texts.forEach((text, r) => {
      const counts = new Map<number, number>();
      for (const term of referenceTerms(text)) {
        const id = this.vocab.get(term);
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      // the char and word blocks are normalized separately, as a FeatureUnion does
      const norms = [0, 0];
      const block = (id: number): number => (this.isWord(id) ? 1 : 0);
      for (const [id, c] of counts) norms[block(id)]! += (c * this.idf[id]!) ** 2;
      for (const [id, c] of counts) {
        index.push(id);
        value.push((c * this.idf[id]!) / Math.sqrt(norms[block(id)]!));
      }
      offsets[r + 1] = index.length;
    });
    return { offsets, index: Uint32Array.from(index), value: Float64Array.from(value) };
  }

  private readonly wordIds = new Set<number>();
  private isWord(id: number): boolean {
    if (this.wordIds.size === 0) for (const [term, i] of this.vocab) if (term[0] === "w") this.wordIds.add(i);
    return this.wordIds.has(id);
  }
}

function dot(w: Float64Array, x: SparseRows, r: number): number {
  let s = w[w.length - 1]!; // intercept
  for (let k = x.offsets[r]!; k < x.offsets[r + 1]!; k++) s += w[x.index[k]!]! * x.value[k]!;
  return s;
}

/** C·Σ log-loss + ½‖w‖² (intercept unregularized) and its gradient. */
function lossAndGradient(w: Float64Array, x: SparseRows, y: readonly number[], c: number, grad: Float64Array, weight: readonly number[]): number {
  const d = w.length - 1;
  let loss = 0;
  for (let j = 0; j < d; j++) {
    grad[j] = w[j]!;
    loss += 0.5 * w[j]! * w[j]!;
  }
  grad[d] = 0;
  for (let r = 0; r < y.length; r++) {
    const m = (y[r]! > 0 ? 1 : -1) * dot(w, x, r);
    const cw = c * weight[y[r]! > 0 ? 1 : 0]!;
    loss += cw * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
    const g = -cw * (y[r]! > 0 ? 1 : -1) / (1 + Math.exp(m));
    for (let k = x.offsets[r]!; k < x.offsets[r + 1]!; k++) grad[x.index[k]!]! += g * x.value[k]!;
    grad[d]! += g;
  }
  return loss;
}

function fitLogistic(x: SparseRows, y: readonly number[], dims: number, weight: readonly number[], c = 1, iterations = 100, memory = 10): Float64Array {
  const n = dims + 1;
  let w = new Float64Array(n);
  let g = new Float64Array(n);
  let f = lossAndGradient(w, x, y, c, g, weight);
  const ss: Float64Array[] = [], ys: Float64Array[] = [], rhos: number[] = [];
  const dotv = (a: Float64Array, b: Float64Array): number => { let s = 0; for (let i = 0; i < n; i++) s += a[i]! * b[i]!; return s; };
  for (let it = 0; it < iterations; it++) {
    // two-loop recursion: direction = -H·g
    const q = Float64Array.from(g);
    const alphas: number[] = [];
    for (let i = ss.length - 1; i >= 0; i--) {
      const a = rhos[i]! * dotv(ss[i]!, q);
      alphas[i] = a;
      for (let j = 0; j < n; j++) q[j]! -= a * ys[i]![j]!;
    }
    const gamma = ss.length > 0 ? dotv(ss.at(-1)!, ys.at(-1)!) / dotv(ys.at(-1)!, ys.at(-1)!) : 1 / Math.sqrt(dotv(g, g));
    for (let j = 0; j < n; j++) q[j]! *= gamma;
    for (let i = 0; i < ss.length; i++) {
      const b = rhos[i]! * dotv(ys[i]!, q);
      for (let j = 0; j < n; j++) q[j]! += ss[i]![j]! * (alphas[i]! - b);
    }
    const slope = -dotv(g, q);
    if (slope >= 0) break;
    // backtracking line search (Armijo)
    let step = 1;
    const wNew = new Float64Array(n), gNew = new Float64Array(n);
    let fNew = Infinity;
    for (let tries = 0; tries < 30; tries++, step *= 0.5) {
      for (let j = 0; j < n; j++) wNew[j] = w[j]! - step * q[j]!;
      fNew = lossAndGradient(wNew, x, y, c, gNew, weight);
      if (fNew <= f + 1e-4 * step * slope) break;
    }
    const s = new Float64Array(n), yy = new Float64Array(n);
    for (let j = 0; j < n; j++) (s[j] = wNew[j]! - w[j]!), (yy[j] = gNew[j]! - g[j]!);
    const sy = dotv(s, yy);
    if (sy > 1e-12) {
      ss.push(s), ys.push(yy), rhos.push(1 / sy);
      if (ss.length > memory) ss.shift(), ys.shift(), rhos.shift();
    }
    w = wNew, g = gNew, f = fNew;
    // scikit-learn's lbfgs stops when the largest gradient component is below 1e-4
    if (g.reduce((m, v) => Math.max(m, Math.abs(v)), 0) <= 1e-4) break;
  }
  return w;
}

export interface ReferenceModel {
  /** Probability of the positive class for each text. */
  score(texts: readonly string[]): number[];
}

/** Fit the reference on one dataset's training texts and 0/1 labels. */
export function trainReference(texts: readonly string[], labels: readonly number[], balanced = true): ReferenceModel {
  const vectorizer = new TfidfVectorizer();
  vectorizer.fit(texts);
  const positives = labels.filter((y) => y > 0).length;
  // class_weight="balanced": n / (2 · count of the class)
  const weight = balanced ? [labels.length / (2 * (labels.length - positives)), labels.length / (2 * positives)] : [1, 1];
  const w = fitLogistic(vectorizer.transform(texts), labels, vectorizer.size, weight);
  return {
    score(batch) {
      const x = vectorizer.transform(batch);
      return batch.map((_, r) => 1 / (1 + Math.exp(-dot(w, x, r))));
    },
  };
}

/**
 * The reference per dataset: trained on the train split beside each test file,
 * judged on (the first `limit` rows of) that test file at threshold 0.5.
 */
export function evaluateReference(files: readonly DatasetFile[], limit?: number, balanced = true, decisions?: Map<string, Decisions>): EvalRow[] {
  const trainOf = new Map<DatasetFile, DatasetFile>();
  for (const file of files) {
    const train = splitBeside(file, "train");
    if (train) trainOf.set(file, train);
  }
  return evaluateScored(
    [...trainOf.keys()],
    (examples, file) => {
      const train = readExamples(trainOf.get(file)!);
      const model = trainReference(train.map((e) => e.text), train.map((e) => e.label), balanced);
      return scoredAt(model.score(examples.map((e) => e.text)), 0.5);
    },
    limit,
    decisions,
  ).datasets;
}

const signedPoints = (x: number): string => `${x > 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
const spanOf = (i: Interval): string => `${signedPoints(i.low)} to ${signedPoints(i.high)}`;

/**
 * Warden beside the reference, per dataset, with both means over the datasets both cover.
 * With both sides' row-by-row flags, each difference gets its paired-bootstrap 95%
 * interval (bootstrap.ts), and so does the mean difference.
 */
export function referenceMarkdown(warden: readonly EvalRow[], reference: readonly EvalRow[], decisions?: { readonly warden: ReadonlyMap<string, Decisions>; readonly reference: ReadonlyMap<string, Decisions> }): string {
  const byName = new Map(reference.map((r) => [r.name, r]));
  const pairs = warden.flatMap((w) => (byName.has(w.name) ? [[w, byName.get(w.name)!] as const] : []));
  const paired = decisions && pairs.every(([w]) => decisions.warden.has(w.name) && decisions.reference.has(w.name));
  const intervals = paired ? pairedF1Intervals(pairs.map(([w]) => [decisions.warden.get(w.name)!, decisions.reference.get(w.name)!] as const)) : null;
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows = pairs.map(
    ([w, r], d) =>
      `| ${w.name} | ${r.f1.toFixed(3)} | ${w.f1.toFixed(3)} | ${signedPoints(w.f1 - r.f1)} |${intervals ? ` ${spanOf(intervals.perDataset[d]!)} |` : ""} ${r.rocAuc.toFixed(3)} | ${w.rocAuc.toFixed(3)} | ${r.hindsightF1.toFixed(3)} | ${w.hindsightF1.toFixed(3)} |`,
  );
  const refMean = mean(pairs.map(([, r]) => r.f1));
  const wardenMean = mean(pairs.map(([w]) => w.f1));
  const refHindsight = mean(pairs.map(([, r]) => r.hindsightF1));
  const wardenHindsight = mean(pairs.map(([w]) => w.hindsightF1));
  const lines = [
    "### Against the reference (TF-IDF char 1–5 + word 1–2 logistic regression, one per dataset)",
    "",
    `| dataset | reference F1 | Warden F1 | difference (points) |${intervals ? " 95% interval (points) |" : ""} reference ROC AUC | Warden ROC AUC | reference F1, threshold in hindsight | Warden F1, threshold in hindsight |`,
    `|---|---:|---:|---:|${intervals ? "---:|" : ""}---:|---:|---:|---:|`,
    ...rows,
    "",
    `Mean F1 over ${pairs.length} datasets: reference **${refMean.toFixed(3)}**, Warden **${wardenMean.toFixed(3)}**; Warden is at or above the reference on ${pairs.filter(([w, r]) => w.f1 >= r.f1).length} of ${pairs.length}.`,
    "",
    `The last two columns are the best F1 any one threshold reaches on the same scores when it is chosen in hindsight, on the test rows themselves: no deployed model gets it, but beside the F1 at the real threshold it tells a weaker ranking of the messages from a worse-placed threshold. Mean over the datasets: reference ${refHindsight.toFixed(3)}, Warden ${wardenHindsight.toFixed(3)}. F1 at the real threshold minus F1 at the hindsight one, on average: reference ${signedPoints(refMean - refHindsight)} points (its fixed 0.5), Warden ${signedPoints(wardenMean - wardenHindsight)} (thresholds chosen per language on validation data).`,
  ];
  if (intervals) {
    const below = intervals.perDataset.filter((i) => i.high < 0).length;
    const above = intervals.perDataset.filter((i) => i.low > 0).length;
    lines.push(
      "",
      `How much of each difference is the luck of the test rows: a paired bootstrap (${intervals.perDataset.length} datasets, the same rows resampled for both, ${BOOTSTRAP_RESAMPLES.toLocaleString("en-US")} times) gives each difference its 95% interval. The reference is ahead beyond that luck on ${below} of ${pairs.length} datasets (the whole interval below zero), Warden on ${above}; on the other ${pairs.length - below - above} the rows cannot tell them apart. The mean difference is ${signedPoints(intervals.mean.estimate)} points, 95% interval ${spanOf(intervals.mean)}. These intervals cover the test rows only, not training: a retrain with another seed moves small datasets by points too.`,
    );
  }
  return [...lines, ""].join("\n");
}
