/**
 * Batch throughput of `warden classify` as a child process: N messages of JSONL in a
 * temp file, output to /dev/null, an empty temp data dir (so the shipped model serves).
 * Peak RSS and CPU time come from GNU time (`/usr/bin/time -v`) when it is installed.
 * A one-message run first gives the fixed cost (Node start-up, model load, store open),
 * which also warms the page cache for the model file. The batch runs twice: on one
 * thread (`--threads 1`) and as shipped (one worker thread per core).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { nowNs } from "./stats.js";

export interface CliRun {
  readonly messages: number;
  readonly wallSeconds: number;
  /** user + system CPU seconds (GNU time), null without it. */
  readonly cpuSeconds: number | null;
  readonly peakRssMB: number | null;
}

export interface CliResult {
  readonly inputMB: number;
  readonly startup: CliRun;
  /** The batch with `--threads 1`: classified on the main thread. */
  readonly oneThread: CliRun;
  /** The batch as shipped: `threads` worker threads. */
  readonly full: CliRun;
  readonly threads: number;
  readonly timeTool: boolean;
}

const GNU_TIME = "/usr/bin/time";

function hasGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ["-v", "true"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr);
}

function runClassify(root: string, input: string, messages: number, workDir: string, useTime: boolean, threads: number): CliRun {
  const dataDir = mkdtempSync(join(workDir, "data-"));
  const args = [join(root, "bin/warden.js"), "classify", "--threads", String(threads), "--in", input, "--out", "/dev/null", "--data-dir", dataDir];
  const t0 = nowNs();
  const r = useTime
    ? spawnSync(GNU_TIME, ["-v", process.execPath, ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], timeout: 180_000 })
    : spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], timeout: 180_000 });
  const wallSeconds = (nowNs() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`warden classify exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  const bad = /(\d+) of (\d+) lines were bad/.exec(r.stderr);
  if (bad) throw new Error(`warden classify reported ${bad[1]} bad lines of ${bad[2]}`);
  const num = (re: RegExp): number | null => {
    const m = re.exec(r.stderr);
    return m ? Number(m[1]) : null;
  };
  const rssKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  return {
    messages,
    wallSeconds,
    cpuSeconds: user !== null && sys !== null ? user + sys : null,
    peakRssMB: rssKb !== null ? (rssKb * 1024) / 1e6 : null,
  };
}

export function measureCli(root: string, texts: readonly string[], messages: number): CliResult {
  const workDir = mkdtempSync(join(tmpdir(), "warden-bench-cli-"));
  try {
    const lines: string[] = new Array(messages);
    for (let i = 0; i < messages; i++) lines[i] = JSON.stringify({ id: i, text: texts[i % texts.length] });
    const input = join(workDir, "in.jsonl");
    writeFileSync(input, lines.join("\n") + "\n");
    const one = join(workDir, "one.jsonl");
    writeFileSync(one, lines[0] + "\n");
    const useTime = hasGnuTime();
    const threads = availableParallelism();
    const startup = runClassify(root, one, 1, workDir, useTime, threads);
    const oneThread = runClassify(root, input, messages, workDir, useTime, 1);
    const full = runClassify(root, input, messages, workDir, useTime, threads);
    return { inputMB: statSync(input).size / 1e6, startup, oneThread, full, threads, timeTool: useTime };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
