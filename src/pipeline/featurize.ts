/**
 * Feature vectors for the training loop, made on a second thread: the worker runs the
 * same FeatureExtractor over the same rows in the same order as the loop consumes them,
 * and hands them over through shared memory while the main thread runs FTRL updates.
 * On two cores that hides extraction (a third of the fit) behind the updates. The
 * vectors are the extractor's own typed arrays copied bit for bit, so the weights are
 * the same as with in-thread extraction (fitStage's default).
 *
 * Shared memory: SLOTS slots, each holding up to SLOT_ROWS vectors (at most
 * SLOT_ENTRIES entries); a slot's state says who owns it (the worker fills an EMPTY
 * slot and marks it FULL; the loop reads a FULL one and marks it EMPTY). A vector too
 * large for a slot is marked, and the loop extracts it itself.
 */
import { Worker, isMainThread, workerData } from "node:worker_threads";
import { FeatureExtractor, SparseVector, type FeatureConfig } from "../features/extract.js";
import { seededPermutation } from "../model/shuffle.js";

/** What the fit loop will ask for, in this order: for each epoch, rows `train[epochOrder(...)[k]]`. */
export interface FitPlan {
  /** Normalized text, namespace and evasion flags of each training row (by position in the training split). */
  readonly texts: readonly string[];
  readonly ns: Uint32Array;
  readonly evasion: Uint16Array;
  readonly features: FeatureConfig;
  readonly epochs: number;
  readonly seed: number;
}

/** Hands out the vector of the next row of the plan; `position` is that row's position (a check). */
export interface FeatureSource {
  next(position: number, out: SparseVector): void;
  close(): void;
}

export function epochOrder(rows: number, seed: number, epoch: number): Uint32Array {
  return seededPermutation(rows, seed * 1000 + epoch);
}

/** Extraction on the calling thread. */
export function inThreadSource(plan: FitPlan): FeatureSource {
  const extractor = new FeatureExtractor(plan.features);
  return {
    next: (p, out) => extractor.extract(plan.texts[p]!, out, plan.ns[p], plan.evasion[p]),
    close: () => {},
  };
}

const SLOTS = 4;
const SLOT_ROWS = 512;
const SLOT_ENTRIES = 1 << 19;
const EMPTY = 0;
const FULL = 1;
/** control[SLOTS]: 0 while fine, 1 once the worker failed (its message in `error`). */
const FAILED = SLOTS;
const TOO_LARGE = -1;
const WAIT_MS = 200;
/** A worker silent this long is taken for dead. */
const STALL_MS = 30_000;

interface Shared {
  readonly control: Int32Array;
  /** Per slot: [row count, then per row its position and entry count]. */
  readonly rows: Int32Array;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
  readonly error: Uint8Array;
}

function sharedMemory(): Shared {
  const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(bytes);
  return {
    control: new Int32Array(sab(4 * (SLOTS + 1))),
    rows: new Int32Array(sab(4 * SLOTS * (1 + 2 * SLOT_ROWS))),
    indices: new Uint32Array(sab(4 * SLOTS * SLOT_ENTRIES)),
    values: new Float32Array(sab(4 * SLOTS * SLOT_ENTRIES)),
    error: new Uint8Array(sab(2048)),
  };
}

const ROW_STRIDE = 1 + 2 * SLOT_ROWS;

/** Extraction on a worker thread, overlapping the caller's work. */
export function workerSource(plan: FitPlan): FeatureSource {
  const shared = sharedMemory();
  const worker = new Worker(new URL(import.meta.url), { workerData: { featurize: true, plan, shared } });
  worker.unref();
  const local = inThreadSource(plan);
  let slot = -1;
  let count = 0;
  let cursor = 0;
  let offset = 0;
  const failure = (): Error => {
    const n = shared.error.indexOf(0);
    return new Error(`feature worker failed: ${Buffer.from(shared.error.subarray(0, n < 0 ? undefined : n)).toString("utf8")}`);
  };
  const advance = (): void => {
    if (slot >= 0) {
      Atomics.store(shared.control, slot, EMPTY);
      Atomics.notify(shared.control, slot);
    }
    slot = (slot + 1) % SLOTS;
    let waited = 0;
    while (Atomics.load(shared.control, slot) !== FULL) {
      if (Atomics.load(shared.control, FAILED) !== 0) throw failure();
      if (waited >= STALL_MS) throw new Error(`feature worker stalled for ${STALL_MS / 1000} s`);
      Atomics.wait(shared.control, slot, EMPTY, WAIT_MS);
      waited += WAIT_MS;
    }
    count = shared.rows[slot * ROW_STRIDE]!;
    cursor = 0;
    offset = slot * SLOT_ENTRIES;
  };
  return {
    next(position, out) {
      if (cursor === count) advance();
      const base = slot * ROW_STRIDE + 1 + 2 * cursor++;
      const sent = shared.rows[base]!;
      const length = shared.rows[base + 1]!;
      if (sent !== position) throw new Error(`feature worker out of step: sent row ${sent}, the loop wants ${position}`);
      if (length === TOO_LARGE) return local.next(position, out);
      // A copy (a few µs), so that `out` never aliases memory the worker will reuse.
      out.ensure(length);
      out.indices.set(shared.indices.subarray(offset, offset + length));
      out.values.set(shared.values.subarray(offset, offset + length));
      out.length = length;
      offset += length;
    },
    close() {
      void worker.terminate();
    },
  };
}

function runWorker(plan: FitPlan, shared: Shared): void {
  const extractor = new FeatureExtractor(plan.features);
  const x = new SparseVector();
  let slot = 0;
  let count = 0;
  let used = 0;
  const claim = (): void => {
    while (Atomics.load(shared.control, slot) !== EMPTY) Atomics.wait(shared.control, slot, FULL);
  };
  const flush = (): void => {
    shared.rows[slot * ROW_STRIDE] = count;
    Atomics.store(shared.control, slot, FULL);
    Atomics.notify(shared.control, slot);
    slot = (slot + 1) % SLOTS;
    count = 0;
    used = 0;
    claim();
  };
  claim();
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    const order = epochOrder(plan.texts.length, plan.seed, epoch);
    for (let k = 0; k < order.length; k++) {
      const p = order[k]!;
      extractor.extract(plan.texts[p]!, x, plan.ns[p], plan.evasion[p]);
      const fits = x.length <= SLOT_ENTRIES;
      if (count === SLOT_ROWS || (fits && used + x.length > SLOT_ENTRIES)) flush();
      const base = slot * ROW_STRIDE + 1 + 2 * count++;
      shared.rows[base] = p;
      shared.rows[base + 1] = fits ? x.length : TOO_LARGE;
      if (!fits) continue;
      const at = slot * SLOT_ENTRIES + used;
      shared.indices.set(x.indices.subarray(0, x.length), at);
      shared.values.set(x.values.subarray(0, x.length), at);
      used += x.length;
    }
  }
  if (count > 0) {
    shared.rows[slot * ROW_STRIDE] = count;
    Atomics.store(shared.control, slot, FULL);
    Atomics.notify(shared.control, slot);
  }
}

if (!isMainThread && (workerData as { featurize?: boolean } | null)?.featurize) {
  const { plan, shared } = workerData as { plan: FitPlan; shared: Shared };
  try {
    runWorker(plan, shared);
  } catch (err) {
    const message = Buffer.from(String((err as Error)?.stack ?? err), "utf8").subarray(0, shared.error.length - 1);
    shared.error.set(message);
    Atomics.store(shared.control, FAILED, 1);
    for (let s = 0; s < SLOTS; s++) Atomics.notify(shared.control, s);
  }
}
