/**
 * `npm run bench`: Warden's speed, measured side by side in one run on real messages,
 * written to docs/benchmarks.md (overwritten) with a short summary on stdout.
 *
 *   1. normalization throughput and the classify path stage by stage (in process)
 *   2. Engine.classify latency, with and without the explanation (in process)
 *   3. `warden classify` batch throughput and peak RSS (child process)
 *   4. model load time and artifact size (in process)
 *   5. HTTP: the real server against a bare Fastify floor, A/B/A/B (child processes)
 *   6. the training pipeline on all shared datasets: cold, cached rerun, one parameter
 *      changed (child processes; skipped with `--no-pipeline`, which takes two minutes off)
 *   7. `warden worker` on Redis Streams against in-process classification (needs Redis)
 *   8. serving under load: capacity, 4× overload (admitted vs shed), shadow experiment cost,
 *      a cold start with and without warm-up, promotions and rollbacks
 *
 * A section that fails is reported as not measured and the run exits 1; temp files and
 * child processes are cleaned up either way.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { Engine } from "../src/engine/engine.js";
import { measureCli } from "./cli.js";
import { measureHttp } from "./http.js";
import { measureLatency, measureModelLoad, measureStages, type ModelLoadResult } from "./inprocess.js";
import { machineInfo } from "./machine.js";
import { measurePipeline } from "./pipeline.js";
import { measureServing } from "./serving.js";
import { measureWorker } from "./worker.js";
import { renderMarkdown, renderSummary, type Outcome, type Results } from "./report.js";
import { loadSample, type Sample } from "./sample.js";
import { nowNs } from "./stats.js";

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, "../..");
const SHARED = resolve(process.env.WARDEN_SHARED_DATA ?? join(ROOT, "../shared/data"));
const OUT = join(ROOT, "docs/benchmarks.md");
const CLI_MESSAGES = 200_000;
/** The long file of §3: as a batch job of a day's traffic runs, start-up and the JIT's warm-up weigh less. */
const CLI_LONG_MESSAGES = 1_000_000;
const HTTP_BODIES = 16;
/** In-process passes cover at least this many messages (the built-in list is cycled). */
const MIN_IN_PROCESS = 2000;

async function section<T>(name: string, fn: () => T | Promise<T>): Promise<Outcome<T>> {
  process.stderr.write(`bench: ${name}...\n`);
  const t0 = nowNs();
  try {
    const value = await fn();
    return { ok: true, value, seconds: (nowNs() - t0) / 1e9 };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    process.stderr.write(`bench: ${name} failed: ${err instanceof Error ? (err.stack ?? error) : error}\n`);
    return { ok: false, error, seconds: (nowNs() - t0) / 1e9 };
  }
}

/** A handful of real messages for the HTTP bodies, spread evenly over the sample. */
function httpBodies(sample: Sample, count: number, maxLength: number): string[] {
  const usable = sample.texts.filter((t) => t.length <= maxLength && /\S/.test(t));
  const step = Math.max(1, Math.floor(usable.length / count));
  const bodies: string[] = [];
  for (let i = 0; i < usable.length && bodies.length < count; i += step) bodies.push(JSON.stringify({ text: usable[i] }));
  return bodies;
}

async function main(): Promise<number> {
  const t0 = nowNs();
  const machine = await machineInfo(ROOT);
  const sample = loadSample(SHARED);
  const config = loadConfig();

  let loaded: ModelLoadResult["loaded"] | undefined;
  const modelLoad = await section("model load", () => {
    const { loaded: l, ...rest } = measureModelLoad(5);
    loaded = l;
    return rest;
  });
  const engine = loaded ? new Engine(loaded, config.policy) : undefined;
  const work = Array.from({ length: Math.max(sample.texts.length, MIN_IN_PROCESS) }, (_, i) => sample.texts[i % sample.texts.length]!);
  const workBytes = work.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);
  const noEngine = (): never => {
    throw new Error("the model did not load (see model load)");
  };
  const stages = await section("normalize and stage breakdown", () => (engine ? measureStages(engine, config.policy, work, workBytes, config.limits.maxTextLength) : noEngine()));
  const latency = await section("classify latency", () => (engine ? measureLatency(engine, work) : noEngine()));
  const cli = await section(`warden classify, ${CLI_MESSAGES} messages`, () => measureCli(ROOT, sample.texts, CLI_MESSAGES, CLI_LONG_MESSAGES));
  const http = await section("HTTP floor vs Warden", () =>
    measureHttp({ childScript: join(HERE, "server-child.js"), bodies: httpBodies(sample, HTTP_BODIES, Math.min(2000, config.limits.maxTextLength)) }),
  );

  const serving = await section("serving under load (overload, shadow, cold start, promotions)", () =>
    measureServing(join(HERE, "server-child.js"), httpBodies(sample, HTTP_BODIES, Math.min(2000, config.limits.maxTextLength))),
  );
  const worker = await section("warden worker on Redis Streams", () => (engine ? measureWorker(ROOT, engine, sample.texts) : noEngine()));
  const pipeline = process.argv.includes("--no-pipeline")
    ? undefined
    : await section("training pipeline (cold, cached rerun, one parameter changed)", () => measurePipeline(ROOT, SHARED));

  const results: Results = {
    machine,
    sample,
    sharedDir: SHARED,
    modelLoad,
    stages,
    latency,
    cli,
    http,
    pipeline,
    worker,
    serving,
    totalSeconds: (nowNs() - t0) / 1e9,
    loadavgEnd: loadavg(),
  };
  writeFileSync(OUT, renderMarkdown(results));
  process.stdout.write(renderSummary(results) + `\n  wrote ${OUT}\n`);
  return [modelLoad, stages, latency, cli, http, worker, serving, pipeline ?? { ok: true }].every((o) => o.ok) ? 0 : 1;
}

process.exitCode = await main();
