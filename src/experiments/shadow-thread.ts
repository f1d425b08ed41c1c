/**
 * The shadow challenger in a worker thread: it loads the challenger's artifact once and
 * scores the texts the main thread posts, so shadow scoring never takes the serving
 * thread's time. Messages in: {id, text}; out: {id, flagged, action, degraded, latencyMs}
 * or {id, error}.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PolicyConfig } from "../config.js";
import { Engine } from "../engine/engine.js";
import { loadModelFile } from "../model/artifact.js";

const { path, version, policy } = workerData as { path: string; version: string; policy: PolicyConfig };
const engine = new Engine({ version, model: loadModelFile(path).model }, policy);

parentPort!.on("message", ({ id, text }: { id: string; text: string }) => {
  const t0 = performance.now();
  try {
    const r = engine.classify(text);
    parentPort!.postMessage({ id, flagged: r.flagged, action: r.action, degraded: r.degraded, latencyMs: performance.now() - t0 });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message, latencyMs: performance.now() - t0 });
  }
});
parentPort!.postMessage({ ready: true });
