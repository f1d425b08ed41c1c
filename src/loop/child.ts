/**
 * A claimed retrain run in its own process (`warden retrain --run ID`) at a lower CPU
 * priority: training takes seconds to minutes of both cores and hundreds of MB, which
 * must not stall serving, and a crash there must not take the server down. The config
 * it runs with is written beside the data (`<data-dir>/loop/retrain-<id>.config.json`).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { WardenConfig } from "../config.js";
import type { Store } from "../store/types.js";
import { failedRetrain, type RetrainRunner } from "./controller.js";

const WARDEN_BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/warden.js");
/** Lowest priority on a 2-core machine that still finishes a retrain while the server serves. */
const NICENESS = 10;

export function retrainInChild(o: { readonly store: Store; readonly dataDir: string; readonly storeUrl?: string; readonly config: WardenConfig }): RetrainRunner {
  return async (claimed) => {
    // A crash or a process that never started could not record its own outcome.
    const fail = async (message: string): Promise<void> => {
      if ((await o.store.getRetrain(claimed.id))?.state === "running") await o.store.finishRetrain(claimed.id, failedRetrain(message), Date.now());
    };
    let child: ChildProcessByStdio<null, null, Readable>;
    try {
      const configPath = join(o.dataDir, "loop", `retrain-${claimed.id}.config.json`);
      mkdirSync(dirname(configPath), { recursive: true });
      writeFileSync(configPath, JSON.stringify(o.config, null, 2) + "\n");
      const args = [WARDEN_BIN, "retrain", "--run", String(claimed.id), "--data-dir", o.dataDir, "--config", configPath, ...(o.storeUrl ? ["--store", o.storeUrl] : [])];
      child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      return fail(`could not start the retrain process: ${(err as Error).message}`);
    }
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, NICENESS);
      } catch {
        // Not allowed here: it runs at normal priority.
      }
    }
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    const ended = await new Promise<string | null>((done) => {
      child.on("error", (err) => done(`could not start the retrain process: ${err.message}`));
      child.on("exit", (code, signal) => done(code === 0 ? null : `the retrain process ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().split("\n").at(-1) ?? ""}`));
    });
    if (ended !== null) await fail(ended);
  };
}
