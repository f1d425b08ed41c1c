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

export function machineInfo(root: string): MachineInfo {
  const status = run("git", ["status", "--porcelain", "--untracked-files=no"], root);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    node: process.version,
    nproc: run("nproc", []) ?? `${availableParallelism()} (os.availableParallelism; nproc not found)`,
    cpuModel: cpuModel(),
    loadavg: loadavg(),
    commit: run("git", ["rev-parse", "--short", "HEAD"], root),
    dirty: status !== null && status !== "",
  };
}
