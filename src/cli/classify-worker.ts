/** One `warden classify` worker thread (classify-pool.ts): its own Engine over the shared model bytes, batches in, answers out. */
import { parentPort, workerData } from "node:worker_threads";
import { Engine } from "../engine/engine.js";
import { deserializeModel } from "../model/artifact.js";
import { classifyBatch } from "./classify.js";
import type { WorkerModel } from "./classify-pool.js";

const { path, bytes, sha256, version, policy } = workerData as WorkerModel;
const loaded = deserializeModel(Buffer.from(bytes), path);
if (loaded.sha256 !== sha256) throw new Error(`${path} changed since the model was resolved (sha256 ${loaded.sha256}, expected ${sha256}).`);
const engine = new Engine({ version, model: loaded.model }, policy);

parentPort!.on("message", ({ seq, lines, first }: { seq: number; lines: string[]; first: number }) => {
  try {
    parentPort!.postMessage({ seq, result: classifyBatch(engine, lines, first) });
  } catch (err) {
    parentPort!.postMessage({ seq, error: (err as Error).message });
  }
});
