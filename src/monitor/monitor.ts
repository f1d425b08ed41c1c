/**
 * The monitor: predictions go into a bounded queue on the request path (never waiting,
 * dropped and counted when full); a timer folds them into windows that close by count
 * or by time; each closed window is compared with the reference and the alerts are
 * evaluated. `status(ms)` answers GET /v1/monitor for the last `ms` of windows.
 *
 * The reference is the model's validation data when the model carries it, else the
 * first full window after start, until someone pins another (`pinReference`).
 */
import type { PolicyConfig } from "../config.js";
import type { ScoreProfile } from "../model/profile.js";
import type { Lexicon } from "../text/lexicon.js";
import { AlertBook, DEFAULT_HYSTERESIS, type AlertState, type HysteresisOptions } from "./alerts.js";
import { trafficBaseRate } from "./base-rate-estimate.js";
import { BaseRateRebaser } from "./cbpe.js";
import { DEFAULT_THRESHOLDS, driftStatistics, emergingTerms, type Thresholds } from "./statistics.js";
import { SCORE_BINS, Window, type FeedbackRecordForMonitor, type MonitorRecord } from "./window.js";

/** What the request path hands over: cheap to build, the rest is done off the path. */
export interface Observation extends Omit<MonitorRecord, "words" | "unknownWords"> {
  readonly normalized: string;
}

/** What the monitor reads of the model being served. */
export interface ServedModel {
  readonly lexicon: Lexicon;
  readonly profile: ScoreProfile | null;
  /** The policy it serves under: the base rates it states rebase the label-free estimates. */
  readonly policy?: PolicyConfig;
}

export interface MonitorOptions {
  /** A window closes after this many messages… */
  readonly windowSize: number;
  /** …or this many seconds, whichever comes first. */
  readonly windowSeconds: number;
  /** Windows with fewer messages are kept but not judged (too noisy). */
  readonly minMessages: number;
  readonly queueCapacity: number;
  readonly thresholds: Thresholds;
  readonly hysteresis: HysteresisOptions;
  /** How long closed windows are kept for GET /v1/monitor?window=… */
  readonly retentionSeconds: number;
}

export const DEFAULT_MONITOR: MonitorOptions = {
  windowSize: 500,
  windowSeconds: 300,
  minMessages: 200,
  queueCapacity: 20_000,
  thresholds: DEFAULT_THRESHOLDS,
  hysteresis: DEFAULT_HYSTERESIS,
  retentionSeconds: 24 * 3600,
};

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * How finely closed windows are kept as they age: [age, grain] — older than a minute,
 * merged per 10 s; than 15 minutes, per minute; than 2 hours, per 5 minutes. Windows
 * close every `windowSize` messages, so at 6,000 messages/s a day would otherwise keep a
 * million of them (each with its term counts) and every GET /v1/monitor would merge them
 * all; with the grains it keeps a few hundred plus the last minute's. Each window is
 * judged for drift when it closes, before any merge.
 */
const RETENTION_GRAINS: ReadonlyArray<readonly [ageMs: number, grainMs: number]> = [
  [2 * 3600_000, 300_000],
  [15 * 60_000, 60_000],
  [60_000, 10_000],
];

/** The grain a window ending `ageMs` ago is kept at (0: as it closed). */
function grainFor(ageMs: number): number {
  for (const [age, grain] of RETENTION_GRAINS) if (ageMs >= age) return grain;
  return 0;
}

/** An observation as a window counts it: its words, and how many the lexicon does not know. */
export function toRecord(o: Observation, lexicon: Lexicon, rebaser: BaseRateRebaser | null = null): MonitorRecord {
  const words = o.normalized.match(WORD) ?? [];
  let unknownWords = 0;
  for (const w of words) if (lexicon.count(w) === 0) unknownWords++;
  return { ...o, words, unknownWords, ...(rebaser ? { atBaseRate: rebaser.rebase(o.categories, o.lang) } : {}) };
}

export class Monitor {
  private queue: Observation[] = [];
  /** Where the next fold starts in `queue` (a sliced fold leaves the rest in place, uncopied). */
  private folded = 0;
  private current: Window;
  /** The labels the open window counted, by prediction id: a second label for one replaces the first. */
  private labelled = new Map<string, FeedbackRecordForMonitor>();
  private closed: Window[] = [];
  /** The windows coarsen() made by merging closed ones. */
  private readonly merges = new WeakSet<Window>();
  private reference: Window | null;
  private referenceSource: "model" | "first window" | "pinned" | "none";
  private readonly book: AlertBook;
  private rebaser: { profile: ScoreProfile | null; policy: PolicyConfig | undefined; rebaser: BaseRateRebaser | null } = { profile: null, policy: undefined, rebaser: null };
  dropped = 0;
  windowsJudged = 0;

  constructor(
    /** The served model (it changes with a promotion): its lexicon says which words are known, its profile what its scores were calibrated under. */
    private readonly served: () => ServedModel,
    private readonly options: MonitorOptions = DEFAULT_MONITOR,
    reference: Window | null = null,
    private readonly onAlert: (changes: AlertState[]) => void = () => {},
    private readonly now: () => number = Date.now,
    /** Each closed window, for the other replicas (the server writes it to the store). */
    private readonly onClose: (w: Window) => void = () => {},
  ) {
    this.current = new Window(now());
    this.reference = reference;
    this.referenceSource = reference ? "model" : "none";
    this.book = new AlertBook(options.hysteresis);
  }

  /** Request path: O(1), never blocks. */
  observe(o: Observation): void {
    if (this.queue.length - this.folded >= this.options.queueCapacity) {
      this.dropped++;
      return;
    }
    this.queue.push(o);
  }

  /**
   * A reviewer's label for prediction `id`. A label correcting one the open window
   * counted replaces it there; one correcting a label of a closed window counts in the
   * open one (closed windows are history, and other replicas may hold them).
   */
  observeFeedback(id: string, f: FeedbackRecordForMonitor): void {
    const earlier = this.labelled.get(id);
    if (earlier) this.current.addFeedback(earlier, -1);
    this.current.addFeedback(f);
    this.labelled.set(id, f);
  }

  countShed(): void {
    this.current.shed++;
  }

  countRejected(kind: "empty" | "over-length"): void {
    if (kind === "empty") this.current.rejectedEmpty++;
    else this.current.rejectedOverLength++;
  }

  /**
   * Off the request path (a timer): fold queued observations into windows, for at most
   * `budgetMs` of wall time (checked every few observations). True when some are left,
   * for the caller to continue after the requests that arrived meanwhile.
   */
  flush(budgetMs = Infinity): boolean {
    const queue = this.queue;
    const served = this.served();
    const { lexicon } = served;
    const rebaser = this.rebaserFor(served);
    const deadline = performance.now() + budgetMs;
    const start = this.folded;
    let i = start;
    for (; i < queue.length; i++) {
      // Checked after every 4 observations, never before the first: each call makes progress.
      if (i > start && ((i - start) & 3) === 0 && performance.now() > deadline) break;
      this.current.add(toRecord(queue[i]!, lexicon, rebaser));
      if (this.current.n >= this.options.windowSize) this.close();
    }
    if (i === queue.length) [this.queue, this.folded] = [[], 0];
    else this.folded = i;
    // A window of labels alone closes too, or other replicas would never see those labels.
    if (this.current.hasContent() && this.now() - this.current.start >= this.options.windowSeconds * 1000) this.close();
    return this.folded > 0;
  }

  /** The rebaser for the served model and policy, made again when either changes. */
  private rebaserFor(served: ServedModel): BaseRateRebaser | null {
    if (this.rebaser.profile !== served.profile || this.rebaser.policy !== served.policy) {
      this.rebaser = { profile: served.profile, policy: served.policy, rebaser: BaseRateRebaser.for(served.profile, served.policy) };
    }
    return this.rebaser.rebaser;
  }

  /** A new reference (the served model's validation data, when a new model comes in). */
  setReference(reference: Window | null, source: "model" | "none"): void {
    this.reference = reference;
    this.referenceSource = source;
  }

  /** The last closed window (or the open one if none closed yet) becomes the reference. */
  pinReference(): { messages: number; from: string; to: string } {
    this.flush();
    const w = this.closed[this.closed.length - 1] ?? this.current;
    this.reference = w;
    this.referenceSource = "pinned";
    return { messages: w.n, from: new Date(w.start).toISOString(), to: new Date(w.end).toISOString() };
  }

  alerts(): AlertState[] {
    return this.book.list();
  }

  restoreAlerts(states: readonly AlertState[]): void {
    this.book.restore(states);
  }

  /**
   * GET /v1/monitor: the windows of the last `ms` (and the open one) merged, against the
   * reference, with the closed windows of other replicas sharing the store (`others`).
   */
  status(ms: number, label: string, others: readonly Window[] = []): Record<string, unknown> {
    this.flush();
    const since = this.now() - ms;
    const merged = new Window(this.now());
    for (const w of [...this.closed, this.current, ...others]) if (w.end >= since && w.hasContent()) merged.merge(w);
    const drift = this.reference && merged.n > 0 ? driftStatistics(this.reference, merged, this.options.thresholds) : {};
    const fb = merged.feedback.get("*");
    const labelled = fb ? fb.tp + fb.fp + fb.fn + fb.tn : 0;
    const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b) : null);
    const perKey = (prefix: string): Record<string, unknown> =>
      Object.fromEntries(
        [...merged.feedback]
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, c]) => [k.slice(prefix.length), { feedback_n: c.tp + c.fp + c.fn + c.tn, precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn), f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn) }]),
      );
    // Per category, the label-free estimate beside the labels (where there are any).
    const byCategory = perKey("category:") as Record<string, Record<string, unknown>>;
    // and the share of the traffic that is positive, estimated, against the validation data's.
    const { profile } = this.served();
    for (const [c, e] of merged.expectedAtBaseRate) {
      if (c === "*") continue;
      const base = trafficBaseRate(profile, c, merged.categoryScores.get(c) ?? new Map());
      byCategory[c] = {
        ...(byCategory[c] ?? { feedback_n: 0, precision: null, recall: null, f1: null }),
        estimated_precision: nullableRound(e.precision()),
        estimated_recall: nullableRound(e.recall()),
        estimated_base_rate: base ? round(base.estimated) : null,
        validation_base_rate: base ? round(base.validation) : null,
        base_rate_by_language: Object.fromEntries((base?.languages ?? []).map((l) => [l.lang, { messages: l.messages, estimated_base_rate: round(l.estimated), validation_base_rate: round(l.validation) }])),
      };
    }
    return {
      window: label,
      from: new Date(merged.start).toISOString(),
      reference: this.reference ? { source: this.referenceSource, messages: this.reference.n } : { source: "none", messages: 0 },
      traffic: { requests: merged.n, flagged_rate: round(merged.rate(merged.flagged)), review_rate: round(merged.rate(merged.review)), block_rate: round(merged.rate(merged.block)), degraded_rate: round(merged.rate(merged.degraded)), second_stage_rate: round(merged.rate(merged.secondStage)), shed: merged.shed, dropped_from_monitor: this.dropped },
      latency_ms: { p50: merged.latency.quantile(0.5), p99: merged.latency.quantile(0.99) },
      drift: Object.fromEntries(Object.entries(drift).map(([k, s]) => [k, { value: s.value === null ? null : round(s.value), warn: s.warn, alert: s.alert, description: s.description }])),
      data_quality: {
        empty_rate: round(share(merged.rejectedEmpty, merged.n + merged.rejectedEmpty + merged.rejectedOverLength)),
        over_length_rate: round(share(merged.rejectedOverLength, merged.n + merged.rejectedEmpty + merged.rejectedOverLength)),
        repaired_encoding_rate: round(merged.rate(merged.repairedEncoding)),
        invisible_character_rate: round(merged.rate(merged.invisible)),
        unknown_language_rate: round(merged.rate(merged.unknownLanguage)),
        evasion_rate: round(merged.rate(merged.evasion)),
        unknown_word_rate: round(merged.oovRate()),
      },
      languages: merged.languages,
      quality: {
        feedback_n: labelled,
        precision: fb ? ratio(fb.tp, fb.tp + fb.fp) : null,
        recall: fb ? ratio(fb.tp, fb.tp + fb.fn) : null,
        f1: fb ? ratio(2 * fb.tp, 2 * fb.tp + fb.fp + fb.fn) : null,
        estimated_precision: nullableRound(merged.expectedAtBaseRateFor("*").precision()),
        estimated_recall: nullableRound(merged.expectedAtBaseRateFor("*").recall()),
        by_language: perKey("lang:"),
        by_model: perKey("model:"),
        by_category: byCategory,
        // Reviewers' labels against the scores they judged: a calibrated model's bins have a share near their score.
        calibration: Array.from(merged.calibrationCount, (n, b) => ({ bin: `${b / SCORE_BINS}-${(b + 1) / SCORE_BINS}`, labelled: n, positive_share: n > 0 ? round(merged.calibrationPositive[b]! / n) : null })).filter((c) => c.labelled > 0),
      },
      emerging_terms: this.reference ? emergingTerms(this.reference, merged).map((t) => ({ term: t.term, count: t.count, share: round(t.share), reference_share: round(t.referenceShare) })) : [],
    };
  }

  /** Each window's key figures over time (the open one last, so far), for the dashboard. */
  timeline(ms: number): Array<Record<string, unknown>> {
    this.flush();
    const since = this.now() - ms;
    const open = this.current.hasContent() ? [this.current] : [];
    return [...this.closed, ...open]
      .filter((w) => w.end >= since || w === this.current)
      .map((w) => {
        const d = this.reference && w.n > 0 ? driftStatistics(this.reference, w, this.options.thresholds) : {};
        return {
          // The open window is drawn at "now": labels can arrive after its last message.
          end: new Date(w === this.current ? this.now() : w.end).toISOString(),
          requests: w.n,
          flagged_rate: round(w.rate(w.flagged)),
          block_rate: round(w.rate(w.block)),
          review_rate: round(w.rate(w.review)),
          shed: w.shed,
          degraded_rate: round(w.rate(w.degraded)),
          second_stage_rate: round(w.rate(w.secondStage)),
          latency_p50_ms: w.latency.quantile(0.5),
          latency_p99_ms: w.latency.quantile(0.99),
          estimated_precision: nullableRound(w.expectedAtBaseRateFor("*").precision()),
          estimated_recall: nullableRound(w.expectedAtBaseRateFor("*").recall()),
          feedback: Object.fromEntries(
            [...w.feedback].filter(([k]) => k === "*" || k.startsWith("lang:")).map(([k, c]) => [k === "*" ? "all" : k.slice(5), { n: c.tp + c.fp + c.fn + c.tn, precision: c.tp + c.fp > 0 ? round(c.tp / (c.tp + c.fp)) : null, recall: c.tp + c.fn > 0 ? round(c.tp / (c.tp + c.fn)) : null }]),
          ),
          ...Object.fromEntries(Object.entries(d).map(([k, s]) => [k, s.value === null ? null : round(s.value)])),
        };
      });
  }

  /** Merges closed windows that share a bucket of their age's grain (RETENTION_GRAINS), into new windows: a reference keeps its own. */
  private coarsen(): void {
    const now = this.now();
    const kept: Window[] = [];
    for (const w of this.closed) {
      const grain = grainFor(now - w.end);
      const last = kept[kept.length - 1];
      if (last && grain > 0 && grain === grainFor(now - last.end) && Math.floor(last.end / grain) === Math.floor(w.end / grain)) {
        // Windows that closed are left as they are (a reference or a caller may hold one); a merge of them is this monitor's own.
        const merged = this.merges.has(last) && last !== this.reference ? last : new Window(last.start);
        if (merged !== last) merged.merge(last);
        merged.merge(w);
        this.merges.add(merged);
        kept[kept.length - 1] = merged;
      } else {
        kept.push(w);
      }
    }
    this.closed = kept;
  }

  private close(): void {
    const w = this.current;
    this.current = new Window(this.now());
    this.labelled = new Map();
    this.closed.push(w);
    this.onClose(w);
    const keepAfter = this.now() - this.options.retentionSeconds * 1000;
    while (this.closed.length > 0 && this.closed[0]!.end < keepAfter) this.closed.shift();
    this.coarsen();
    if (w.n < this.options.minMessages) return;
    if (!this.reference) {
      this.reference = w;
      this.referenceSource = "first window";
      return;
    }
    this.windowsJudged++;
    const changes = this.book.evaluate(driftStatistics(this.reference, w, this.options.thresholds), w.end);
    if (changes.length > 0) this.onAlert(changes);
  }
}

const share = (a: number, b: number): number => (b > 0 ? a / b : 0);
const round = (x: number): number => Math.round(x * 1e4) / 1e4;
const nullableRound = (x: number | null): number | null => (x === null ? null : round(x));
