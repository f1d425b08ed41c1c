/** The machine and code a benchmark ran on, for the report header. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";

export interface MachineInfo {
  readonly date: string;
  readonly node: string;
  readonly nproc: string;
  readonly cpuModel: string;
  readonly loadavg: readonly number[];
  /** The CPUs' busy share (any process) over BUSY_WINDOW_MS before the run, from /proc/stat; null where there is none. */
  readonly busyBefore: number | null;
  readonly commit: string | null;
  readonly dirty: boolean;
}

function run(cmd: string, args: string[], cwd?: string): string | null {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? "unknown";
}

export const BUSY_WINDOW_MS = 3000;

/** [busy, total] CPU time of all CPUs since boot (/proc/stat's first line; idle and iowait are not busy). */
function cpuTimes(): [number, number] | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return [total - fields[3]! - fields[4]!, total];
  } catch {
    return null;
  }
}

/**
 * How busy the machine is with other work, measured over a few idle seconds of this
 * process: the 1-minute load average also counts the build that `npm run bench` runs
 * just before, and so called every run busy.
 */
async function busyShare(): Promise<number | null> {
  const before = cpuTimes();
  await new Promise((r) => setTimeout(r, BUSY_WINDOW_MS));
  const after = cpuTimes();
  if (!before || !after || after[1] <= before[1]) return null;
  return (after[0] - before[0]) / (after[1] - before[1]);
}

export async function machineInfo(root: string): Promise<MachineInfo> {
  const status = run("git", ["status", "--porcelain", "--untracked-files=no"], root);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    node: process.version,
    nproc: run("nproc", []) ?? `${availableParallelism()} (os.availableParallelism; nproc not found)`,
    cpuModel: cpuModel(),
    loadavg: loadavg(),
    busyBefore: await busyShare(),
    commit: run("git", ["rev-parse", "--short", "HEAD"], root),
    dirty: status !== null && status !== "",
  };
}
