/** One `warden classify` worker thread (classify-pool.ts): its own Engine over the shared model bytes, batches in, answers out. */
import { parentPort, workerData } from "node:worker_threads";
import { Engine } from "../engine/engine.js";
import { deserializeModel } from "../model/artifact.js";
import { readProfile } from "../model/profile.js";
import { versioned } from "../registry/registry.js";
import { classifyBatch } from "./classify.js";
import type { WorkerModel, WorkerStart } from "./classify-pool.js";

const { policy } = workerData as WorkerStart;
let engine: Engine | undefined;

/** The model as the pool read it; a failure here is an uncaught error, which fails the pool's batches. */
function load({ path, bytes, sha256, profilePath }: WorkerModel): Engine {
  const loaded = deserializeModel(Buffer.from(bytes), path);
  if (sha256 !== null && loaded.sha256 !== sha256) throw new Error(`${path} changed since the model was resolved (sha256 ${loaded.sha256}, expected ${sha256}).`);
  return new Engine({ ...versioned(loaded), profile: readProfile(profilePath) }, policy);
}

// The model comes first (ClassifyPool.load), then batches.
parentPort!.on("message", (m: { model: WorkerModel } | { seq: number; lines: string[]; first: number }) => {
  if ("model" in m) {
    engine = load(m.model);
    return;
  }
  try {
    parentPort!.postMessage({ seq: m.seq, result: classifyBatch(engine!, m.lines, m.first) });
  } catch (err) {
    parentPort!.postMessage({ seq: m.seq, error: (err as Error).message });
  }
});
