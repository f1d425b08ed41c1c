/**
 * `warden classify` on several cores: worker threads, each with its own Engine (an Engine
 * is not shared between threads) over one copy of the artifact's bytes in shared memory
 * (the weight tables are views into it, so the threads do not crowd each other out of
 * the CPU caches with copies of the same tables), take batches of lines in turn. The
 * main thread only reads lines and writes answers, in input order (classify.ts), so the
 * output is byte for byte what one thread writes.
 */
import { Worker } from "node:worker_threads";
import type { PolicyConfig } from "../config.js";
import { sharedModelBytes } from "../model/artifact.js";
import type { BatchClassifier, BatchResult } from "./classify.js";

export interface PoolModel {
  /** The artifact file the pool loads once for all its workers. */
  readonly path: string;
  /** The sha256 the registry recorded for it; null for the shipped model, whose bytes are its identity. */
  readonly sha256: string | null;
  /** Its validation score profile's file, which each worker reads (null when it has none). */
  readonly profilePath: string | null;
}

/** What a worker is started with. */
export interface WorkerStart {
  readonly policy: PolicyConfig;
}

/** The model every worker loads: its bytes, once, in shared memory. */
export interface WorkerModel extends PoolModel {
  readonly bytes: SharedArrayBuffer;
}

/**
 * A worker's young generation, in MB (V8 grows it up to this as needed). A batch's
 * objects (a thousand messages' lines, readings and answers) live until it is answered;
 * with room for several batches most of them die before a scavenge would copy them.
 * 100,000 messages on 2 workers, --trace-gc: scavenges took 865 ms in all at V8's
 * default for workers and 521 ms at 192 MB. It costs memory: peak RSS on the bench's
 * 200,000 messages rose from about 415 to 510 MB.
 */
const WORKER_YOUNG_GENERATION_MB = 192;

interface Pending {
  readonly resolve: (r: BatchResult) => void;
  readonly reject: (err: Error) => void;
}

export class ClassifyPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failure: Error | null = null;

  /** The workers start at once, before the model is read (load), so that their own start-up overlaps the read. */
  constructor(policy: PolicyConfig, threads: number) {
    const script = new URL("./classify-worker.js", import.meta.url);
    const workerData: WorkerStart = { policy };
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(script, { workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      w.on("message", (m: { seq: number } & ({ result: BatchResult } | { error: string })) => {
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if ("error" in m) p?.reject(new Error(m.error));
        else p?.resolve(m.result);
      });
      // A worker that cannot load the model or dies fails every batch it had, and every later one.
      const fail = (err: Error): void => {
        this.failure ??= err;
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      w.on("error", fail);
      w.on("exit", (code) => code !== 0 && fail(new Error(`a classify worker exited with code ${code}`)));
      return w;
    });
  }

  /** Read the model into shared memory, once for all the workers, and hand it to each (before any batch). */
  load(model: PoolModel): void {
    const bytes = sharedModelBytes(model.path);
    for (const w of this.workers) w.postMessage({ model: { ...model, bytes } satisfies WorkerModel });
  }

  /** Two batches a worker: while it classifies one, the next already waits in its queue, so it never idles between batches. */
  get batchesInFlight(): number {
    return 2 * this.workers.length;
  }

  /** Batches go to the workers in turn: they are all the same size, so the load evens out. */
  readonly classify: BatchClassifier = (lines, first) => {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.workers[seq % this.workers.length]!.postMessage({ seq, lines, first });
    });
  };

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
