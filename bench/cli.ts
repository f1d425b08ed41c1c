/**
 * Batch throughput of `warden classify` as a child process: N messages of JSONL in a
 * temp file, output to /dev/null, an empty temp data dir (so the shipped model serves).
 * Peak RSS and CPU time come from GNU time (`/usr/bin/time -v`) when it is installed.
 * A one-message run first gives the fixed cost (Node start-up, model load, store open),
 * which also warms the page cache for the model file. The batch runs on one thread
 * (`--threads 1`) and as shipped (one worker thread per core), and a file five times as
 * long as shipped (the sustained rate: start-up, and V8 compiling the hot code while the
 * first tens of thousands of messages go through, weigh less, as in a batch job of a
 * day's traffic), alternating, BATCH_ROUNDS times each; the median run of each is
 * reported, beside every run's rate (this machine's speed moves from minute to minute).
 * Each round also runs one `--threads 1` process per core side by side, each on its part
 * of the batch: what the machine gives that many independent threads with no pool
 * between them, the ceiling against which the pool's scaling is judged.
 * Then the npm word-list filters go over the same file the same way (wordlist-child.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { loadWordListFilters } from "../src/eval/wordlists.js";
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
  /** The batch with `--threads 1` (classified on the main thread): the median run of `oneThreadRuns`. */
  readonly oneThread: CliRun;
  readonly oneThreadRuns: readonly CliRun[];
  /** The batch as shipped, `threads` worker threads: the median run of `fullRuns`. */
  readonly full: CliRun;
  readonly fullRuns: readonly CliRun[];
  /** The long file, as shipped: the median run of `longRuns`. */
  readonly long: CliRun;
  readonly longRuns: readonly CliRun[];
  readonly longInputMB: number;
  /** `threads` one-thread processes side by side, each on 1/threads of the batch (wall time to the last exit): the median run of `independentRuns`. */
  readonly independent: CliRun;
  readonly independentRuns: readonly CliRun[];
  readonly threads: number;
  readonly timeTool: boolean;
  /** The npm word-list filters over the same file, one thread each. */
  readonly filters: readonly FilterRun[];
}

export interface FilterRun {
  readonly name: string;
  readonly version: string;
  readonly run: CliRun;
}

/** Runs of each batch kind, alternating one thread and all threads. */
const BATCH_ROUNDS = 3;
const PROBE_MESSAGES = 500;
/** A word-list filter's run is cut to about this many seconds (glin-profanity takes over a millisecond a message). */
const FILTER_BUDGET_S = 30;

const GNU_TIME = "/usr/bin/time";

function hasGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ["-v", "true"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr);
}

/** Times `node <args>` from spawn to exit (with GNU time's CPU and peak RSS when `useTime`). */
function timeNode(root: string, args: readonly string[], messages: number, useTime: boolean): { run: CliRun; stderr: string } {
  const t0 = nowNs();
  const r = useTime
    ? spawnSync(GNU_TIME, ["-v", process.execPath, ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], timeout: 180_000 })
    : spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], timeout: 180_000 });
  const wallSeconds = (nowNs() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${args.slice(0, 2).join(" ")} exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return { run: { messages, wallSeconds, ...timeReport(r.stderr) }, stderr: r.stderr };
}

/** CPU seconds and peak RSS from GNU time's report in `stderr` (null where it has none). */
function timeReport(stderr: string): Pick<CliRun, "cpuSeconds" | "peakRssMB"> {
  const num = (re: RegExp): number | null => {
    const m = re.exec(stderr);
    return m ? Number(m[1]) : null;
  };
  const rssKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  return { cpuSeconds: user !== null && sys !== null ? user + sys : null, peakRssMB: rssKb !== null ? (rssKb * 1024) / 1e6 : null };
}

function classifyArgs(root: string, input: string, workDir: string, threads: number): string[] {
  return [join(root, "bin/warden.js"), "classify", "--threads", String(threads), "--in", input, "--out", "/dev/null", "--data-dir", mkdtempSync(join(workDir, "data-"))];
}

function checkNoBadLines(stderr: string): void {
  const bad = /(\d+) of (\d+) lines were bad/.exec(stderr);
  if (bad) throw new Error(`warden classify reported ${bad[1]} bad lines of ${bad[2]}`);
}

function runClassify(root: string, input: string, messages: number, workDir: string, useTime: boolean, threads: number): CliRun {
  const { run, stderr } = timeNode(root, classifyArgs(root, input, workDir, threads), messages, useTime);
  checkNoBadLines(stderr);
  return run;
}

/** One `--threads 1` process per part, all at once; wall time to the last exit, CPU summed (peak RSS is each process's own, so none is given). */
async function runIndependent(root: string, parts: readonly string[], messages: number, workDir: string, useTime: boolean): Promise<CliRun> {
  const t0 = nowNs();
  const stderrs = await Promise.all(
    parts.map(
      (input) =>
        new Promise<string>((resolve, reject) => {
          const args = classifyArgs(root, input, workDir, 1);
          const child = useTime ? spawn(GNU_TIME, ["-v", process.execPath, ...args], { cwd: root, stdio: ["ignore", "ignore", "pipe"] }) : spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
          let stderr = "";
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          child.on("error", reject);
          child.on("close", (code, signal) => (code === 0 ? resolve(stderr) : reject(new Error(`warden classify --threads 1 exited with ${code ?? signal}: ${stderr.slice(-2000)}`))));
        }),
    ),
  );
  const wallSeconds = (nowNs() - t0) / 1e9;
  stderrs.forEach(checkNoBadLines);
  const cpu = stderrs.map((e) => timeReport(e).cpuSeconds);
  return { messages, wallSeconds, cpuSeconds: cpu.every((c) => c !== null) ? cpu.reduce((a: number, c) => a + c!, 0) : null, peakRssMB: null };
}

/**
 * The word-list filters (src/eval/wordlists.ts, obscenity first) as child processes over
 * the same file, one thread each as they come. A filter whose probe (its first 500
 * messages, in this process) says the whole file would take over FILTER_BUDGET_S gets
 * the file's first lines only, as many as fit that budget; the table says how many.
 */
async function runFilters(root: string, input: string, texts: readonly string[], messages: number, useTime: boolean): Promise<FilterRun[]> {
  const { filters } = await loadWordListFilters();
  const probe = Array.from({ length: PROBE_MESSAGES }, (_, i) => texts[i % texts.length]!);
  return filters.map((f) => {
    const t0 = nowNs();
    for (const t of probe) f.flag(t);
    const perMessage = (nowNs() - t0) / 1e9 / PROBE_MESSAGES;
    const lines = Math.min(messages, Math.max(PROBE_MESSAGES, Math.floor(FILTER_BUDGET_S / perMessage / 1000) * 1000));
    const { run } = timeNode(root, [join(root, "dist/bench/wordlist-child.js"), f.name, input, "/dev/null", String(lines)], lines, useTime);
    return { name: f.name, version: f.version, run };
  });
}

/** The run of median wall time (of an odd number of runs: the middle one). */
function medianRun(runs: readonly CliRun[]): CliRun {
  return [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds)[Math.floor(runs.length / 2)]!;
}

/** `count` lines of `{"id", "text"}` cycling through `texts`, written to `path` a slice at a time. */
function writeInput(path: string, texts: readonly string[], count: number): void {
  const SLICE = 100_000;
  writeFileSync(path, "");
  for (let from = 0; from < count; from += SLICE) {
    const lines = Array.from({ length: Math.min(SLICE, count - from) }, (_, k) => JSON.stringify({ id: from + k, text: texts[(from + k) % texts.length] }));
    appendFileSync(path, lines.join("\n") + "\n");
  }
}

export async function measureCli(root: string, texts: readonly string[], messages: number, longMessages: number): Promise<CliResult> {
  const workDir = mkdtempSync(join(tmpdir(), "warden-bench-cli-"));
  try {
    const input = join(workDir, "in.jsonl");
    writeInput(input, texts, messages);
    const longInput = join(workDir, "long.jsonl");
    writeInput(longInput, texts, longMessages);
    const one = join(workDir, "one.jsonl");
    writeInput(one, texts, 1);
    const useTime = hasGnuTime();
    const threads = availableParallelism();
    const perPart = Math.floor(messages / threads);
    const parts = Array.from({ length: threads }, (_, i) => join(workDir, `part-${i}.jsonl`));
    // Part i holds the batch's lines i·perPart … (i+1)·perPart − 1: the texts' cycle started where they start.
    parts.forEach((part, i) => {
      const from = (i * perPart) % texts.length;
      writeInput(part, [...texts.slice(from), ...texts.slice(0, from)], perPart);
    });
    const startup = runClassify(root, one, 1, workDir, useTime, threads);
    const oneThreadRuns: CliRun[] = [];
    const fullRuns: CliRun[] = [];
    const longRuns: CliRun[] = [];
    const independentRuns: CliRun[] = [];
    for (let round = 0; round < BATCH_ROUNDS; round++) {
      oneThreadRuns.push(runClassify(root, input, messages, workDir, useTime, 1));
      fullRuns.push(runClassify(root, input, messages, workDir, useTime, threads));
      longRuns.push(runClassify(root, longInput, longMessages, workDir, useTime, threads));
      independentRuns.push(await runIndependent(root, parts, perPart * threads, workDir, useTime));
    }
    const filters = await runFilters(root, input, texts, messages, useTime);
    return { inputMB: statSync(input).size / 1e6, startup, oneThread: medianRun(oneThreadRuns), oneThreadRuns, full: medianRun(fullRuns), fullRuns, long: medianRun(longRuns), longRuns, longInputMB: statSync(longInput).size / 1e6, independent: medianRun(independentRuns), independentRuns, threads, timeTool: useTime, filters };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
