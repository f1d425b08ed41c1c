/**
 * The shadow challenger in a worker thread: it loads the challenger's artifact once and
 * scores the texts the main thread posts, so shadow scoring never takes the serving
 * thread's time. The thread also asks the kernel for the lowest CPU priority (Linux
 * schedules threads on their own): on a busy machine the serving thread and the
 * champion's work go first, and the shadow catches up in the gaps.
 * Messages in: batches [{id, text}]; out: batches [{id, flagged, action, degraded, latencyMs} | {id, error, latencyMs}].
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { PolicyConfig } from "../config.js";
import { Engine } from "../engine/engine.js";
import { loadModelFile } from "../model/artifact.js";

/** This thread's kernel task id, where the platform says it (Linux: /proc/thread-self → "<pid>/task/<tid>"). */
function threadId(): number | null {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

const LOWEST_PRIORITY = 19;
const tid = threadId();
if (tid !== null) {
  try {
    setPriority(tid, LOWEST_PRIORITY);
  } catch {
    // Not permitted here: the shadow runs at the server's priority.
  }
}

const { path, version, policy } = workerData as { path: string; version: string; policy: PolicyConfig };
const engine = new Engine({ version, model: loadModelFile(path).model }, policy);

parentPort!.on("message", (batch: Array<{ id: string; text: string }>) => {
  const replies = batch.map(({ id, text }) => {
    const t0 = performance.now();
    try {
      const r = engine.classify(text);
      return { id, flagged: r.flagged, action: r.action, degraded: r.degraded, latencyMs: performance.now() - t0 };
    } catch (err) {
      return { id, error: (err as Error).message, latencyMs: performance.now() - t0 };
    }
  });
  parentPort!.postMessage(replies);
});
