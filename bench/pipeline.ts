/**
 * The training pipeline's benchmark, section 6 of `npm run bench`:
 *
 *   1. cold: `warden train` on all shared datasets into an empty data dir: wall time,
 *      peak RSS (/usr/bin/time -v), each step's time (goal: ≤ 60 s and ≤ 2 GB)
 *   2. warm: the same command again, three times: wall time, cached steps, share of
 *      the cold run's time (goal: ≤ 10%)
 *   3. one parameter changed (training.ftrl.alpha): which steps rerun, wall time
 *
 * Each run is a child process, as users run it; a failed run throws.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const TIME = "/usr/bin/time";
const WARM_RUNS = 3;

export interface TrainRun {
  readonly command: string;
  readonly seconds: number;
  readonly peakRssMb: number | null;
  readonly steps: Array<{ name: string; cached: boolean; seconds: number | null }>;
  readonly summary: { sha256: string; cached_steps: string[]; gate: string };
}

export interface PipelineResult {
  readonly cold: TrainRun;
  readonly warm: TrainRun[];
  readonly changed: TrainRun;
  readonly alphaFrom: number;
  readonly alphaTo: number;
  /** Whether the cold run's artifact is byte-identical to the shipped models/default.wdn. */
  readonly matchesShipped: boolean;
}

function train(root: string, shared: string, dataDir: string, config: string): TrainRun {
  const args = [join(root, "bin/warden.js"), "train", "--data", shared, "--config", config, "--data-dir", dataDir];
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = timed ? spawnSync(TIME, ["-v", process.execPath, ...args], { encoding: "utf8" }) : spawnSync(process.execPath, args, { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`warden train failed (${r.status}):\n${r.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const steps = [...r.stderr.matchAll(/^step ([\w-]+): (cached|done in ([\d.]+) s)/gm)].map((m) => ({ name: m[1]!, cached: m[2] === "cached", seconds: m[3] ? Number(m[3]) : null }));
  const show = (p: string): string => {
    if (p.startsWith(tmpdir())) return "<tmp>" + p.slice(p.lastIndexOf("/"));
    const rel = relative(root, p);
    return rel.startsWith("../..") ? p : rel || ".";
  };
  return {
    command: `${timed ? "/usr/bin/time -v " : ""}node bin/warden.js train --data ${show(shared)} --config ${show(config)} --data-dir ${show(dataDir)}`,
    seconds,
    peakRssMb: rss ? Number(rss[1]) / 1024 : null,
    steps,
    summary: JSON.parse(r.stdout.trim().split("\n").pop()!) as TrainRun["summary"],
  };
}

export function measurePipeline(root: string, shared: string): PipelineResult {
  if (!existsSync(join(shared, "datasets.json"))) throw new Error(`no shared data at ${shared} (set WARDEN_SHARED_DATA)`);
  const config = join(root, "models/default.config.json");
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-pipeline-"));
  try {
    const dataDir = join(dir, "wd");
    const cold = train(root, shared, dataDir, config);
    const warm = Array.from({ length: WARM_RUNS }, () => train(root, shared, dataDir, config));
    const changedConfig = join(dir, "alpha.json");
    const base = JSON.parse(readFileSync(config, "utf8")) as { training: { ftrl: Record<string, number> } };
    const alphaFrom = base.training.ftrl.alpha ?? 3;
    base.training.ftrl.alpha = alphaFrom + 0.5;
    writeFileSync(changedConfig, JSON.stringify(base));
    const changed = train(root, shared, dataDir, changedConfig);
    const shipped = createHash("sha256").update(readFileSync(join(root, "models/default.wdn"))).digest("hex");
    return { cold, warm, changed, alphaFrom, alphaTo: alphaFrom + 0.5, matchesShipped: cold.summary.sha256 === shipped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (x: number): string => `${x.toFixed(1)} s`;
const mb = (x: number | null): string => (x === null ? "n/a" : `${Math.round(x)} MB`);

export function warmShare(p: PipelineResult): { seconds: number; percent: number; allCached: boolean } {
  const seconds = median(p.warm.map((w) => w.seconds));
  const allCached = p.warm.every((w) => w.steps.length > 0 && w.summary.cached_steps.length === w.steps.length);
  return { seconds, percent: (100 * seconds) / p.cold.seconds, allCached };
}

/** Section 6 of docs/benchmarks.md. */
export function pipelineMarkdown(p: PipelineResult): string[] {
  const { cold, warm, changed } = p;
  const w = warmShare(p);
  return [
    "### All 24 shared datasets, cold (empty data dir)",
    "",
    `Command: \`${cold.command}\``,
    "",
    "| wall time | peak RSS | goal |",
    "|---:|---:|---|",
    `| **${s(cold.seconds)}** | **${mb(cold.peakRssMb)}** | ≤ 60 s, ≤ 2 GB |`,
    "",
    `Artifact sha256 \`${cold.summary.sha256}\` (${p.matchesShipped ? "byte-identical to" : "differs from"} models/default.wdn); gate ${cold.summary.gate}.`,
    "",
    "| step | seconds |",
    "|---|---:|",
    ...cold.steps.map((st) => `| ${st.name} | ${st.seconds?.toFixed(1) ?? "–"} |`),
    "",
    "### Rerun with nothing changed",
    "",
    `The same command in the same data dir, ${warm.length} times: median **${s(w.seconds)}**, ${w.percent.toFixed(1)}% of the cold run (goal ≤ 10%); ` +
      `${w.allCached ? "every run reported every step cached" : "NOT every step was cached"}: \`${JSON.stringify(warm[0]!.summary.cached_steps)}\`; same sha256: ${warm.every((r) => r.summary.sha256 === cold.summary.sha256) ? "yes" : "NO"}.`,
    "",
    "### One parameter changed",
    "",
    `\`training.ftrl.alpha\` ${p.alphaFrom} → ${p.alphaTo}: **${s(changed.seconds)}**; cached \`${JSON.stringify(changed.summary.cached_steps)}\`, rerun: ${changed.steps.filter((st) => !st.cached).map((st) => `${st.name} (${st.seconds?.toFixed(1)} s)`).join(", ")}.`,
    "",
  ];
}

export function pipelineSummary(p: PipelineResult): string {
  const w = warmShare(p);
  return `  pipeline: cold ${s(p.cold.seconds)}, peak RSS ${mb(p.cold.peakRssMb)}; rerun ${s(w.seconds)} (${w.percent.toFixed(1)}%, all cached: ${w.allCached}); one parameter changed ${s(p.changed.seconds)}`;
}
