/**
 * `warden worker`: classify a Redis stream with a consumer group. Each loop claims
 * entries that a dead consumer left pending too long (XAUTOCLAIM), else reads new ones
 * (XREADGROUP), classifies the batch, and answers it atomically (commit.ts). At most one
 * batch is read ahead and one being committed, and reading pauses while the output
 * stream's backlog is over its limit: that is the backpressure. `stop()` finishes the
 * batches in hand, then returns.
 */
import type { Redis } from "ioredis";
import type { LimitsConfig } from "../config.js";
import type { Classification, Engine } from "../engine/engine.js";
import { commitBatch, defineCommit, type Answer } from "./commit.js";
import type { WorkerMetrics } from "./metrics.js";

export interface WorkerOptions {
  readonly stream: string;
  readonly group: string;
  readonly outStream: string;
  readonly consumer: string;
  readonly batch: number;
  readonly blockMs: number;
  /** An entry pending this long on another consumer is taken over (that consumer is presumed dead). */
  readonly claimIdleMs: number;
  /** Pause reading while the output stream holds more than this many entries (0: no limit). */
  readonly maxOutBacklog: number;
  /** At most this many messages a second (0: no limit), to protect what reads the output. */
  readonly maxRate: number;
  /** How long an answered id is remembered for de-duplication. */
  readonly answeredTtlSeconds: number;
  readonly limits: Pick<LimitsConfig, "maxTextLength">;
}

type Entry = [id: string, fields: string[]];

export interface WorkerSummary {
  readonly processed: number;
  readonly answered: number;
  readonly duplicates: number;
  readonly claimed: number;
  readonly errors: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Redis's flat [key, value, key, value, …] replies (stream fields, XINFO) as an object. */
export function fieldsOf<V extends string | number>(flat: ReadonlyArray<V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]!;
  return out;
}

export class StreamWorker {
  private stopping = false;
  private claimCursor = "0-0";
  private lastClaim = 0;
  private readonly summary = { processed: 0, answered: 0, duplicates: 0, claimed: 0, errors: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly engine: Engine,
    private readonly options: WorkerOptions,
    private readonly metrics?: WorkerMetrics,
  ) {
    defineCommit(redis);
  }

  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<WorkerSummary> {
    const { stream, group } = this.options;
    // From the start of the stream: a queue filled before the first worker came is work too.
    await this.redis.xgroup("CREATE", stream, group, "0", "MKSTREAM").catch((err: Error) => {
      if (!err.message.includes("BUSYGROUP")) throw err;
    });
    let windowStart = Date.now();
    let windowCount = 0;
    // Overlap Redis round trips with classification: the next batch is being read, and the
    // previous one committed, while this one is classified. At most one of each in flight.
    let prefetch: Promise<Entry[]> | null = null;
    let committing: Promise<void> = Promise.resolve();
    while (!this.stopping) {
      if (this.options.maxOutBacklog > 0 && (await this.redis.xlen(this.options.outStream)) > this.options.maxOutBacklog) {
        this.metrics?.backpressure.inc();
        await sleep(100);
        continue;
      }
      const claimed = await this.claim();
      const entries = claimed ?? (await (prefetch ?? this.read()));
      prefetch = claimed || this.stopping ? prefetch : this.read();
      if (entries.length === 0) continue;
      if (this.options.maxRate > 0) {
        // Hold the batch (it stays pending, claimable if we die) until the rate allows it.
        const elapsed = Date.now() - windowStart;
        if (elapsed >= 1000) {
          windowStart = Date.now();
          windowCount = 0;
        } else if (windowCount + entries.length > this.options.maxRate) {
          await sleep(1000 - elapsed);
          windowStart = Date.now();
          windowCount = 0;
        }
        windowCount += entries.length;
      }
      const answers = this.classify(entries);
      await committing;
      committing = this.commit(entries.length, answers);
    }
    await committing;
    // A batch read ahead before the stop is ours (pending on this consumer): answer it rather than leave it to be claimed.
    const last = prefetch ? await prefetch : [];
    if (last.length > 0) await this.commit(last.length, this.classify(last));
    return { ...this.summary };
  }

  /** Entries another consumer left pending for longer than claimIdleMs (checked at most once per claimIdleMs / 2). */
  private async claim(): Promise<Entry[] | null> {
    const now = Date.now();
    if (now - this.lastClaim < this.options.claimIdleMs / 2 && this.claimCursor === "0-0") return null;
    this.lastClaim = now;
    const [cursor, entries] = (await this.redis.xautoclaim(this.options.stream, this.options.group, this.options.consumer, this.options.claimIdleMs, this.claimCursor, "COUNT", this.options.batch)) as [string, Array<Entry | null>];
    this.claimCursor = cursor;
    // Entries deleted from the stream while pending come back as null: nothing to answer.
    const live = entries.filter((e): e is Entry => e !== null);
    if (live.length === 0) return null;
    this.summary.claimed += live.length;
    this.metrics?.claimed.inc(live.length);
    return live;
  }

  private async read(): Promise<Entry[]> {
    const res = (await this.redis.xreadgroup("GROUP", this.options.group, this.options.consumer, "COUNT", this.options.batch, "BLOCK", this.options.blockMs, "STREAMS", this.options.stream, ">")) as Array<[string, Entry[]]> | null;
    return res?.[0]?.[1] ?? [];
  }

  /** The batch's answers in entry order; its valid texts are classified together (Engine.classifyMany). */
  private classify(entries: readonly Entry[]): Answer[] {
    const fields = entries.map(([, flat]) => fieldsOf(flat));
    const problems = fields.map((f) => this.problemWith(f));
    const answers = this.engine.classifyMany(fields.flatMap((f, i) => (problems[i] ? [] : [f.text!])));
    let next = 0;
    return entries.map(([entryId], i) => {
      const f = fields[i]!;
      const r = problems[i] ?? this.resultFrom(f, answers[next++]!);
      return { id: f.id ?? entryId, entryId, result: JSON.stringify(r) };
    });
  }

  private async commit(count: number, answers: readonly Answer[]): Promise<void> {
    const t0 = performance.now();
    const fresh = await commitBatch(this.redis, { in: this.options.stream, out: this.options.outStream, group: this.options.group }, answers, this.options.answeredTtlSeconds);
    this.summary.processed += count;
    this.summary.answered += fresh;
    this.summary.duplicates += count - fresh;
    this.metrics?.messages.inc({ outcome: "answered" }, fresh);
    this.metrics?.messages.inc({ outcome: "duplicate" }, count - fresh);
    this.metrics?.commitSeconds.observe((performance.now() - t0) / 1000);
  }

  /** Why the entry cannot be classified (reported, never dropped), or null when it can. */
  private problemWith(f: Record<string, string>): Record<string, unknown> | null {
    const bad = (code: string, message: string): Record<string, unknown> => {
      this.summary.errors++;
      this.metrics?.messages.inc({ outcome: "error" });
      return { error: { code, message } };
    };
    if (f.text === undefined) return bad("INVALID_TEXT", 'the entry has no "text" field.');
    if (!/\S/.test(f.text)) return bad("EMPTY_TEXT", '"text" is empty or only whitespace.');
    if (f.text.length > this.options.limits.maxTextLength) return bad("TEXT_TOO_LONG", `"text" has ${f.text.length} characters; the limit is ${this.options.limits.maxTextLength}.`);
    return null;
  }

  private resultFrom(f: Record<string, string>, r: Classification): Record<string, unknown> {
    return { score: r.score, flagged: r.flagged, action: r.action, categories: r.categories, lang: r.lang, model: r.model, stage: r.stage, degraded: r.degraded, ...(f.user !== undefined ? { user: f.user } : {}) };
  }
}
