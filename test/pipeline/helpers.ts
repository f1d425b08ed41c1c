/**
 * Pipeline tests run the real `warden train` on small data each test writes itself:
 * the templated multilingual fixture (insults vs friendly lines in six languages, plus
 * hate and spam sets, ~650 rows with a datasets.json catalogue), optionally with
 * numbered variants of every training line when a test needs a slower train step.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeFixtureDataset } from "../helpers/fixture.js";
import { REPO_ROOT } from "../helpers/shared.js";

export const WARDEN = resolve(REPO_ROOT, "bin/warden.js");
export const ALL_STEPS = ["validate", "split", "language", "train", "calibrate", "evaluate", "reference", "profile", "gate", "register"];

/** A fresh temporary directory; `cleanup()` removes every one made. */
const made: string[] = [];
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `warden-${prefix}-`));
  made.push(dir);
  return dir;
}
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The fixture datasets under `dir`; with `variants` > 1, each training line also comes numbered that many times. */
export function writeData(dir: string, variants = 1): string {
  writeFixtureDataset(dir);
  if (variants > 1) {
    for (const name of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      const path = join(dir, name, "train.jsonl");
      const rows = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { text: string });
      const out = rows.flatMap((r) => Array.from({ length: variants }, (_, v) => JSON.stringify({ ...r, text: v === 0 ? r.text : `${r.text} ${v}` })));
      writeFileSync(path, out.join("\n") + "\n");
    }
  }
  return dir;
}

/** A config file with small hash spaces, so training takes a fraction of a second. */
export function writeConfig(dir: string, training: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `config-${made.length}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ training: { features: { bits: 15 }, ...training }, ...extra }));
  return path;
}

export interface TrainOutcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last stdout line, parsed (the contract's summary), when there is one. */
  readonly last: { version: string; artifact: string; sha256: string; gate: "passed" | "failed"; cached_steps: string[] } | null;
}

export function trainArgs(data: string, config: string, dataDir: string, extra: string[] = []): string[] {
  return [WARDEN, "train", "--data", data, "--config", config, "--data-dir", dataDir, ...extra];
}

function lastLine(stdout: string): TrainOutcome["last"] {
  const line = stdout.trim().split("\n").pop();
  try {
    return line ? (JSON.parse(line) as TrainOutcome["last"]) : null;
  } catch {
    return null;
  }
}

export function train(data: string, config: string, dataDir: string, extra: string[] = []): TrainOutcome {
  const r = spawnSync(process.execPath, trainArgs(data, config, dataDir, extra), { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, last: lastLine(r.stdout) };
}

/** Start `warden train`, SIGKILL it as soon as its stderr says `marker`; resolves with how it ended. */
export function trainAndKillAt(marker: string, args: string[]): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.includes(marker)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => resolvePromise({ signal, stderr }));
  });
}
