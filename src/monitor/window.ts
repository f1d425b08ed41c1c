/**
 * What the monitor counts over a window of predictions: traffic and outcomes, latency,
 * the score distribution, the language mix, the input's words (hashed, and how many are
 * unknown to the model's lexicon), evasion and data-quality signals, the label-free
 * performance estimate, each category's scores per language (for the base-rate
 * estimate), feedback, and the words of high-scoring messages. Windows merge
 * (a 15-minute view is the merge of its windows), and a window can be frozen as the
 * reference the next ones are compared with.
 */
import { tally, type Confusion } from "../stats/confusion.js";
import { hashString } from "../features/hash.js";
import { LatencyHistogram } from "../stats/latency.js";
import { PROFILE_BINS, binOf } from "../model/profile.js";
import { ExpectedPerformance } from "./cbpe.js";
import { scoreBin } from "./drift.js";

export const SCORE_BINS = 10;
export const TOKEN_BUCKETS = 256;
/** High-scoring terms kept per window (the most frequent ones; the long tail is dropped). */
const MAX_TERMS = 3000;

/** One prediction as the monitor sees it, pushed from the request path. */
export interface MonitorRecord {
  readonly ts: number;
  readonly score: number;
  readonly flagged: boolean;
  readonly action: "allow" | "review" | "block";
  readonly lang: string;
  readonly model: string;
  readonly latencyMs: number;
  readonly degraded: boolean;
  /** Whether the cascade's second stage answered (stage 1 was unsure): a rising share means stage 1 is less sure of the traffic. */
  readonly secondStage: boolean;
  /** The normalized text's words (the monitor never sees raw text). */
  readonly words: readonly string[];
  /** How many of them the model's lexicon does not know. */
  readonly unknownWords: number;
  readonly evasion: boolean;
  readonly repairedEncoding: boolean;
  readonly invisible: boolean;
  /** Calibrated probability per category, and whether each reached its review threshold. */
  readonly categories: Record<string, number>;
  readonly flaggedCategories: Record<string, boolean>;
  /** The scores rebased to the deployment's base rates, where it states any (cbpe.ts `BaseRateRebaser`). */
  readonly atBaseRate?: { readonly score: number; readonly categories: Record<string, number> };
}

export interface FeedbackRecordForMonitor {
  readonly label: 0 | 1;
  readonly flagged: boolean;
  readonly lang: string;
  readonly model: string;
  readonly category: string;
  /** The prediction's score, for calibration against reviewers' labels (absent: not counted there). */
  readonly score?: number;
}

/** A window frozen as JSON: what a reference needs (kept with a model, read back by the server). */
export interface WindowSnapshot {
  readonly n: number;
  readonly flagged: number;
  readonly evasion: number;
  readonly words: number;
  readonly unknownWords: number;
  readonly scoreBins: number[];
  readonly tokenBins: number[];
  readonly languages: Record<string, number>;
  /** Label-free sums behind the expected precision ("*": the message's score). */
  readonly expected: Record<string, { flagged: number; flaggedP: number; allP: number }>;
  /** The most frequent terms of flagged messages. */
  readonly terms: Array<[string, number]>;
}

const SNAPSHOT_TERMS = 1000;

/** Every count of a window, as JSON: how replicas sharing a store add their windows up (GET /v1/monitor). */
export interface WindowState extends WindowSnapshot {
  readonly start: number;
  readonly end: number;
  readonly counts: Record<(typeof COUNTERS)[number], number>;
  readonly latency: Array<[number, number]>;
  readonly feedback: Record<string, Confusion>;
  readonly calibrationCount: number[];
  readonly calibrationPositive: number[];
  /** The label-free sums over scores rebased to the deployment's base rates (absent in states written before they were counted: then `expected`'s). */
  readonly expectedAtBaseRate?: Record<string, { flagged: number; flaggedP: number; allP: number }>;
  /** Per category and language, the nonzero score bins as [bin, count] (absent in states written before it was counted). */
  readonly categoryScores?: Record<string, Record<string, Array<[number, number]>>>;
}

/** The plain counters a window adds up (merge) and hands over (state). */
const COUNTERS = ["n", "flagged", "review", "block", "degraded", "secondStage", "shed", "rejectedEmpty", "rejectedOverLength", "evasion", "repairedEncoding", "invisible", "unknownLanguage", "words", "unknownWords"] as const;

export class Window {
  start: number;
  end: number;
  n = 0;
  flagged = 0;
  review = 0;
  block = 0;
  degraded = 0;
  secondStage = 0;
  shed = 0;
  rejectedEmpty = 0;
  rejectedOverLength = 0;
  evasion = 0;
  repairedEncoding = 0;
  invisible = 0;
  unknownLanguage = 0;
  words = 0;
  unknownWords = 0;
  readonly scoreBins = new Float64Array(SCORE_BINS);
  readonly tokenBins = new Float64Array(TOKEN_BUCKETS);
  readonly languages: Record<string, number> = {};
  readonly latency = new LatencyHistogram();
  /** Label-free estimates per category ("*": the message's score against its flag), as the reference counts them. */
  readonly expected = new Map<string, ExpectedPerformance>();
  /** The same over scores rebased to the deployment's base rates where it states any: what the estimates shown are. */
  readonly expectedAtBaseRate = new Map<string, ExpectedPerformance>();
  /** Words and word pairs of flagged messages. */
  readonly terms = new Map<string, number>();
  readonly feedback = new Map<string, Confusion>();
  /** Labelled predictions by score bin: how many, and how many reviewers marked positive. */
  readonly calibrationCount = new Float64Array(SCORE_BINS);
  readonly calibrationPositive = new Float64Array(SCORE_BINS);
  /** Per category, per detected language: its scores in the profile's bins (what the base-rate estimate reads). */
  readonly categoryScores = new Map<string, Map<string, Float64Array>>();

  constructor(start: number) {
    this.start = start;
    this.end = start;
  }

  /** Whether anything was counted: messages, shed or rejected requests, or labels (a window of labels alone still matters). */
  hasContent(): boolean {
    return this.n + this.shed + this.rejectedEmpty + this.rejectedOverLength + this.feedback.size > 0;
  }

  add(r: MonitorRecord): void {
    this.n++;
    this.end = Math.max(this.end, r.ts);
    if (r.flagged) this.flagged++;
    if (r.action === "review") this.review++;
    if (r.action === "block") this.block++;
    if (r.degraded) this.degraded++;
    if (r.secondStage) this.secondStage++;
    if (r.evasion) this.evasion++;
    if (r.repairedEncoding) this.repairedEncoding++;
    if (r.invisible) this.invisible++;
    if (r.lang === "unknown") this.unknownLanguage++;
    this.languages[r.lang] = (this.languages[r.lang] ?? 0) + 1;
    this.scoreBins[scoreBin(r.score, SCORE_BINS)]!++;
    this.latency.record(r.latencyMs);
    this.expectedFor("*").add(r.score, r.flagged);
    this.expectedAtBaseRateFor("*").add(r.atBaseRate?.score ?? r.score, r.flagged);
    for (const [c, p] of Object.entries(r.categories)) {
      this.expectedFor(c).add(p, r.flaggedCategories[c] === true);
      this.expectedAtBaseRateFor(c).add(r.atBaseRate?.categories[c] ?? p, r.flaggedCategories[c] === true);
      this.scoresOf(c, r.lang)[binOf(p, PROFILE_BINS)]!++;
    }
    this.words += r.words.length;
    this.unknownWords += r.unknownWords;
    for (const w of r.words) this.tokenBins[hashString(w) % TOKEN_BUCKETS]!++;
    if (r.flagged) {
      for (let i = 0; i < r.words.length; i++) {
        this.countTerm(r.words[i]!);
        if (i + 1 < r.words.length) this.countTerm(`${r.words[i]} ${r.words[i + 1]}`);
      }
    }
  }

  /** Count a label (`n` 1), or take back one this window counted (`n` -1). */
  addFeedback(f: FeedbackRecordForMonitor, n: 1 | -1 = 1): void {
    if (f.score !== undefined) {
      const b = scoreBin(f.score, SCORE_BINS);
      this.calibrationCount[b]! += n;
      if (f.label === 1) this.calibrationPositive[b]! += n;
    }
    // Per language, model and category, and over all of them ("*").
    for (const key of ["*", `lang:${f.lang}`, `model:${f.model}`, `category:${f.category}`]) {
      const c = this.feedback.get(key) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
      tally(c, f.flagged, f.label, n);
      this.feedback.set(key, c);
    }
  }

  merge(o: Window): void {
    this.start = Math.min(this.start, o.start);
    this.end = Math.max(this.end, o.end);
    for (const k of COUNTERS) this[k] += o[k];
    o.scoreBins.forEach((v, i) => (this.scoreBins[i]! += v));
    o.tokenBins.forEach((v, i) => (this.tokenBins[i]! += v));
    o.calibrationCount.forEach((v, i) => (this.calibrationCount[i]! += v));
    o.calibrationPositive.forEach((v, i) => (this.calibrationPositive[i]! += v));
    for (const [l, c] of Object.entries(o.languages)) this.languages[l] = (this.languages[l] ?? 0) + c;
    this.latency.merge(o.latency);
    for (const [c, e] of o.expected) this.expectedFor(c).merge(e);
    for (const [c, e] of o.expectedAtBaseRate) this.expectedAtBaseRateFor(c).merge(e);
    for (const [c, byLang] of o.categoryScores) for (const [l, bins] of byLang) bins.forEach((v, i) => (this.scoresOf(c, l)[i]! += v));
    for (const [t, c] of o.terms) this.countTerm(t, c);
    for (const [k, c] of o.feedback) {
      const m = this.feedback.get(k) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
      m.tp += c.tp;
      m.fp += c.fp;
      m.fn += c.fn;
      m.tn += c.tn;
      this.feedback.set(k, m);
    }
  }

  snapshot(): WindowSnapshot {
    return {
      n: this.n,
      flagged: this.flagged,
      evasion: this.evasion,
      words: this.words,
      unknownWords: this.unknownWords,
      scoreBins: Array.from(this.scoreBins),
      tokenBins: Array.from(this.tokenBins),
      languages: { ...this.languages },
      expected: Object.fromEntries([...this.expected].map(([c, e]) => [c, e.sums()])),
      terms: [...this.terms].sort((a, b) => b[1] - a[1]).slice(0, SNAPSHOT_TERMS),
    };
  }

  state(): WindowState {
    return {
      ...this.snapshot(),
      start: this.start,
      end: this.end,
      counts: Object.fromEntries(COUNTERS.map((k) => [k, this[k]])) as WindowState["counts"],
      latency: this.latency.toPairs(),
      feedback: Object.fromEntries(this.feedback),
      calibrationCount: Array.from(this.calibrationCount),
      calibrationPositive: Array.from(this.calibrationPositive),
      expectedAtBaseRate: Object.fromEntries([...this.expectedAtBaseRate].map(([c, e]) => [c, e.sums()])),
      categoryScores: Object.fromEntries(
        [...this.categoryScores].map(([c, byLang]) => [c, Object.fromEntries([...byLang].map(([l, bins]) => [l, [...bins.entries()].filter(([, v]) => v > 0)]))]),
      ),
    };
  }

  static fromState(s: WindowState): Window {
    const w = Window.fromSnapshot(s);
    w.start = s.start;
    w.end = s.end;
    for (const k of COUNTERS) w[k] = s.counts[k] ?? 0;
    w.latency.merge(LatencyHistogram.fromPairs(s.latency));
    for (const [k, c] of Object.entries(s.feedback)) w.feedback.set(k, { ...c });
    s.calibrationCount.forEach((v, i) => (w.calibrationCount[i] = v));
    s.calibrationPositive.forEach((v, i) => (w.calibrationPositive[i] = v));
    for (const [c, e] of Object.entries(s.expectedAtBaseRate ?? s.expected)) w.expectedAtBaseRate.set(c, ExpectedPerformance.fromSums(e));
    for (const [c, byLang] of Object.entries(s.categoryScores ?? {})) for (const [l, pairs] of Object.entries(byLang)) for (const [b, v] of pairs) w.scoresOf(c, l)[b] = v;
    return w;
  }

  static fromSnapshot(s: WindowSnapshot): Window {
    const w = new Window(0);
    Object.assign(w, { n: s.n, flagged: s.flagged, evasion: s.evasion, words: s.words, unknownWords: s.unknownWords });
    s.scoreBins.forEach((v, i) => (w.scoreBins[i] = v));
    s.tokenBins.forEach((v, i) => (w.tokenBins[i] = v));
    Object.assign(w.languages, s.languages);
    for (const [c, e] of Object.entries(s.expected)) w.expected.set(c, ExpectedPerformance.fromSums(e));
    for (const [t, c] of s.terms) w.terms.set(t, c);
    return w;
  }

  expectedFor(category: string): ExpectedPerformance {
    return entry(this.expected, category);
  }

  expectedAtBaseRateFor(category: string): ExpectedPerformance {
    return entry(this.expectedAtBaseRate, category);
  }

  /** The score bins of category `c` in language `lang`. */
  scoresOf(c: string, lang: string): Float64Array {
    let byLang = this.categoryScores.get(c);
    if (!byLang) this.categoryScores.set(c, (byLang = new Map()));
    let bins = byLang.get(lang);
    if (!bins) byLang.set(lang, (bins = new Float64Array(PROFILE_BINS)));
    return bins;
  }

  rate(count: number): number {
    return this.n > 0 ? count / this.n : 0;
  }

  oovRate(): number {
    return this.words > 0 ? this.unknownWords / this.words : 0;
  }

  private countTerm(term: string, by = 1): void {
    this.terms.set(term, (this.terms.get(term) ?? 0) + by);
    // Keep memory bounded: drop the rarest half when full (frequent terms survive).
    if (this.terms.size > MAX_TERMS) {
      const kept = [...this.terms].sort((a, b) => b[1] - a[1]).slice(0, MAX_TERMS / 2);
      this.terms.clear();
      for (const [t, c] of kept) this.terms.set(t, c);
    }
  }
}

function entry(map: Map<string, ExpectedPerformance>, category: string): ExpectedPerformance {
  let e = map.get(category);
  if (!e) map.set(category, (e = new ExpectedPerformance()));
  return e;
}
