/**
 * The shadow challenger in a child process: it loads the challenger's artifact once and
 * scores the texts the server sends, so shadow scoring never takes the serving thread's
 * time, and a challenger that crashes or runs out of memory takes only itself down.
 *
 * A process rather than a worker thread because of CPU priority: the whole process,
 * garbage collector threads included, asks the kernel to run only on otherwise idle CPU
 * (SCHED_IDLE for every thread, through util-linux's `chrt`; else nice 19 for each).
 * A worker thread can lower only itself: the V8 helper threads that collect its garbage
 * are shared with the server and ran at full priority. Measured on 2 cores at a quarter
 * of capacity (champion p99 pooled over 8 A/B rounds): a nice-19 worker thread +41–88%,
 * a SCHED_IDLE worker thread +8–27% with a larger young generation (docs/benchmarks.md
 * §8 has the current figure).
 *
 * Started with the challenger as JSON in argv[2]: {path, version, policy}. Messages in:
 * batches [{id, text}]; out: batches [{id, flagged, action, degraded, latencyMs} | {id, error, latencyMs}].
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { setPriority } from "node:os";
import type { PolicyConfig } from "../config.js";
import { Engine } from "../engine/engine.js";
import { loadModelFile } from "../model/artifact.js";
import { readProfile } from "../model/profile.js";
import type { ShadowArtifact } from "./shadow.js";

const LOWEST_PRIORITY = 19;

/** SCHED_IDLE for every thread of this process, else nice 19 for each; never fatal. */
function yieldToEveryone(): void {
  try {
    execFileSync("chrt", ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { stdio: "ignore", timeout: 2000 });
    return;
  } catch {
    // No chrt or not permitted: fall back to the lowest nice value, thread by thread (Linux).
  }
  let tasks: number[] = [process.pid];
  try {
    tasks = readdirSync(`/proc/${process.pid}/task`).map(Number);
  } catch {
    // Not Linux: the process-wide call below is all there is.
  }
  for (const tid of tasks) {
    try {
      setPriority(tid, LOWEST_PRIORITY);
    } catch {
      // Not permitted: this one runs at the server's priority.
    }
  }
}

yieldToEveryone();
const { path, profilePath, version, policy } = JSON.parse(process.argv[2]!) as ShadowArtifact & { version: string; policy: PolicyConfig };
let engine: Engine;
try {
  engine = new Engine({ version, model: loadModelFile(path).model, profile: readProfile(profilePath) }, policy);
} catch (err) {
  process.stderr.write(`warden shadow: cannot load challenger ${version}: ${(err as Error).message}\n`);
  process.exit(1);
}

process.on("message", (batch: Array<{ id: string; text: string }>) => {
  const replies = batch.map(({ id, text }) => {
    const t0 = performance.now();
    try {
      const r = engine.classify(text);
      return { id, flagged: r.flagged, action: r.action, degraded: r.degraded, latencyMs: performance.now() - t0 };
    } catch (err) {
      return { id, error: (err as Error).message, latencyMs: performance.now() - t0 };
    }
  });
  process.send!(replies);
});
// The server went away: so does its shadow.
process.on("disconnect", () => process.exit(0));
