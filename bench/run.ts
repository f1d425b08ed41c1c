/**
 * `npm run bench`: Warden's speed, measured side by side in one run, written to
 * docs/benchmarks.md with the command and the machine. Messages are real: the first
 * rows of every shared test split (a built-in list when ../shared/data is absent).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { parseConfig } from "../src/config.js";
import { readExamples, resolveDatasets } from "../src/data/datasets.js";
import { Engine } from "../src/engine/engine.js";
import { FeatureExtractor, SparseVector } from "../src/features/extract.js";
import { DEFAULT_MODEL_PATH, loadDefaultModel } from "../src/registry/registry.js";
import { normalize } from "../src/text/normalize.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SHARED = resolve(ROOT, "../shared/data");
const PER_DATASET = 400;

function sampleMessages(): { texts: string[]; source: string } {
  if (existsSync(resolve(SHARED, "datasets.json"))) {
    const texts = resolveDatasets([SHARED], "test").flatMap((f) => readExamples(f).slice(0, PER_DATASET).map((e) => e.text));
    return { texts, source: `the first ${PER_DATASET} rows of each of the shared test splits (${texts.length} messages)` };
  }
  const texts = ["you are a stupid idiot", "thanks, see you tomorrow", "Du bist ein Idiot", "have a lovely day", "ты тупой", "你好,世界"];
  return { texts, source: "a built-in list of 6 messages (../shared/data was not found)" };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Time `f` over every text (after a warm-up); per-message microseconds. */
function timeEach(texts: readonly string[], f: (t: string) => unknown): { mean: number; p50: number; p99: number } {
  for (let i = 0; i < Math.min(2000, texts.length); i++) f(texts[i]!);
  const us = new Float64Array(texts.length);
  texts.forEach((t, i) => {
    const t0 = process.hrtime.bigint();
    f(t);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  });
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  us.sort();
  return { mean, p50: percentile(us, 0.5), p99: percentile(us, 0.99) };
}

function stageBreakdown(texts: readonly string[], engine: Engine): string[] {
  const model = loadDefaultModel().model;
  const fx = new FeatureExtractor(model.classifier.features);
  const x = new SparseVector();
  const normalized = texts.map((t) => normalize(t, model.lexicon).text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);
  const norm = timeEach(texts, (t) => normalize(t, model.lexicon));
  const lang = timeEach(normalized, (t) => model.language.identify(t));
  const feats = timeEach(normalized, (t) => fx.extract(t, x, undefined, 0x9e3779b1));
  const all = timeEach(texts, (t) => engine.classify(t));
  const explained = timeEach(texts, (t) => engine.classify(t, { explain: true }));
  const mbps = bytes / 1e6 / ((norm.mean * texts.length) / 1e6);
  const row = (name: string, r: { mean: number; p50: number; p99: number }, share: boolean): string =>
    `| ${name} | ${r.mean.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${share ? `${((100 * r.mean) / all.mean).toFixed(0)}%` : ""} |`;
  return [
    "## In-process classify, stage by stage",
    "",
    "Microseconds per message on one core (`Engine.classify`, no server). The share column is each stage's mean against the whole classify path.",
    "",
    "| stage | mean µs | p50 µs | p99 µs | share of classify |",
    "|---|---:|---:|---:|---:|",
    row("normalize (with lexicon)", norm, true),
    row("language id", lang, true),
    row("features (shared + language namespace)", feats, true),
    row("**classify** (all stages + calibration + policy)", all, false),
    row("classify with explanation", explained, false),
    "",
    `Normalization runs at **${mbps.toFixed(1)} MB/s** (${(1e6 / norm.mean).toFixed(0)} messages/s) of UTF-8 input on one core; classify at **${(1e6 / all.mean).toFixed(0)} messages/s** per core.`,
    "",
  ];
}

function peakRssKb(stderr: string): number | null {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return m ? Number(m[1]) : null;
}

function cliThroughput(texts: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-"));
  try {
    const n = 50_000;
    const input = join(dir, "in.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(JSON.stringify({ id: i, text: texts[i % texts.length] }));
    writeFileSync(input, lines.join("\n") + "\n");
    const args = [resolve(ROOT, "bin/warden.js"), "classify", "--in", input, "--out", "/dev/null", "--data-dir", join(dir, "wd")];
    const useTime = existsSync("/usr/bin/time");
    const t0 = process.hrtime.bigint();
    const run = spawnSync(useTime ? "/usr/bin/time" : process.execPath, useTime ? ["-v", process.execPath, ...args] : args, {
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (run.status !== 0) throw new Error(`warden classify failed: ${run.stderr}`);
    const rss = peakRssKb(run.stderr);
    return [
      "## `warden classify` batch throughput",
      "",
      `${n.toLocaleString("en")} messages (${(statSync(input).size / 1e6).toFixed(1)} MB of JSONL) through \`warden classify --in FILE --out /dev/null\` in one process (one core), model load included.`,
      "",
      "| messages | seconds | messages/s (one process, one core) | peak RSS |",
      "|---:|---:|---:|---:|",
      `| ${n} | ${seconds.toFixed(2)} | **${(n / seconds).toFixed(0)}** | ${rss ? `${(rss / 1024).toFixed(0)} MB` : "n/a"} |`,
      "",
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function modelLoad(): string[] {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    loadDefaultModel();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return [
    "## Model",
    "",
    "| artifact | size | load and verify (median of 5) |",
    "|---|---:|---:|",
    `| models/default.wdn | ${(statSync(DEFAULT_MODEL_PATH).size / 1e6).toFixed(1)} MB | ${times[2]!.toFixed(0)} ms |`,
    "",
  ];
}

function startChild(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s"]+)/i.exec(out) ?? /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolvePromise({ child, url: m[1]! });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

async function load(url: string, bodies: string[], seconds: number): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({
    url: `${url}/v1/classify`,
    connections: 100,
    duration: seconds,
    requests: bodies.map((body) => ({ method: "POST" as const, path: "/v1/classify", headers: { "content-type": "application/json" }, body })),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function http(texts: readonly string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-http-"));
  const floorScript = join(dir, "floor.mjs");
  // The HTTP floor: Fastify parsing the same JSON body and answering a small object, no model.
  writeFileSync(
    floorScript,
    `import Fastify from ${JSON.stringify(resolve(ROOT, "node_modules/fastify/fastify.js"))};
const app = Fastify();
app.post("/v1/classify", async (req) => ({ id: "x", score: 0, length: req.body.text.length }));
const url = await app.listen({ port: 0, host: "127.0.0.1" });
console.log("listening on " + url);`,
  );
  const bodies = texts.slice(0, 200).map((t) => JSON.stringify({ text: t }));
  const servers: ChildProcess[] = [];
  try {
    const floor = await startChild([floorScript], {});
    servers.push(floor.child);
    const warden = await startChild([resolve(ROOT, "bin/warden.js"), "serve", "--port", "0", "--data-dir", join(dir, "wd")], { LOG_LEVEL: "info" });
    servers.push(warden.child);
    await load(floor.url, bodies, 1);
    await load(warden.url, bodies, 1);
    const rounds: Array<{ name: string; r: Awaited<ReturnType<typeof load>> }> = [];
    for (let round = 0; round < 2; round++) {
      rounds.push({ name: "floor", r: await load(floor.url, bodies, 5) });
      rounds.push({ name: "warden", r: await load(warden.url, bodies, 5) });
    }
    const avg = (name: string, k: "rps" | "p50" | "p99"): number => {
      const rs = rounds.filter((x) => x.name === name).map((x) => x.r[k]);
      return rs.reduce((a, b) => a + b, 0) / rs.length;
    };
    const failures = rounds.reduce((a, x) => a + x.r.errors + x.r.non2xx, 0);
    return [
      "## HTTP: `/v1/classify` against the HTTP floor",
      "",
      "Autocannon, 100 connections, real messages in the bodies, 5 s rounds alternating floor / Warden twice (A/B/A/B, this machine is noisy). Each server is its own process (one core each at most); autocannon runs in the benchmark's process. The floor is a bare Fastify route parsing the same JSON and answering a small object. Warden answers with its explanation (the default).",
      "",
      "| server | requests/s | p50 ms | p99 ms |",
      "|---|---:|---:|---:|",
      `| floor (no model) | ${avg("floor", "rps").toFixed(0)} | ${avg("floor", "p50").toFixed(1)} | ${avg("floor", "p99").toFixed(1)} |`,
      `| warden | ${avg("warden", "rps").toFixed(0)} | ${avg("warden", "p50").toFixed(1)} | ${avg("warden", "p99").toFixed(1)} |`,
      `| **ratio** | **${((100 * avg("warden", "rps")) / avg("floor", "rps")).toFixed(0)}%** of the floor's throughput | | p99 ×${(avg("warden", "p99") / avg("floor", "p99")).toFixed(1)} |`,
      "",
      `Failed or non-2xx responses over all rounds: ${failures}.`,
      "",
    ];
  } finally {
    for (const s of servers) s.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { texts, source } = sampleMessages();
  const engine = new Engine(loadDefaultModel(), parseConfig({}).policy);
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const sections = [
    "# Benchmarks",
    "",
    `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (${cpu}). Messages: ${source}.`,
    "",
    ...stageBreakdown(texts, engine),
    ...modelLoad(),
    ...cliThroughput(texts),
    ...(await http(texts)),
  ];
  writeFileSync(resolve(ROOT, "docs/benchmarks.md"), sections.join("\n"));
  process.stdout.write(sections.join("\n") + "\n");
}

await main();
