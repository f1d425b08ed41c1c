import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { BATCH_LINES, classifyBatch, classifyStream } from "../../src/cli/classify.js";
import { ClassifyPool } from "../../src/cli/classify-pool.js";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { DEFAULT_MODEL_PATH, loadDefaultModel, sidecarPathFor } from "../../src/registry/registry.js";
import { REPO_ROOT } from "../helpers/shared.js";

const BIN = resolve(REPO_ROOT, "bin/warden.js");

function run(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe("warden classify (the contract)", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "warden-cli-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const input = [
    JSON.stringify({ text: "you are a stupid idiot", id: 7, extra: { keep: true } }),
    "this is not json",
    JSON.stringify({ text: "have a lovely day, friend" }),
    JSON.stringify({ notext: 1 }),
    JSON.stringify({ text: 42 }),
    "[1,2]",
    JSON.stringify({ text: "Du bist ein Idiot" }),
  ].join("\n");

  it("keeps order, carries fields through, and answers bad lines in place", async () => {
    const { code, stdout, stderr } = await run(["classify", "--data-dir", dataDir], input + "\n");
    assert.equal(code, 0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 7);
    assert.equal(lines[0]!.text, "you are a stupid idiot");
    assert.equal(lines[0]!.id, 7);
    assert.deepEqual(lines[0]!.extra, { keep: true });
    for (const i of [0, 2, 6]) {
      const r = lines[i]!;
      assert.equal(typeof r.score, "number");
      assert.ok((r.score as number) >= 0 && (r.score as number) <= 1);
      assert.equal(typeof r.flagged, "boolean");
      assert.ok(["allow", "review", "block"].includes(r.action as string));
      assert.deepEqual(Object.keys(r.categories as object).sort(), ["abusive", "hate", "spam"]);
      assert.equal(typeof r.lang, "string");
      assert.match(r.model as string, /^m-[0-9a-f]{12}$/);
    }
    assert.ok((lines[0]!.score as number) > (lines[2]!.score as number));
    assert.deepEqual(lines[1], { line: 2, error: "not valid JSON" });
    assert.deepEqual(lines[3], { line: 4, error: 'missing string field "text"' });
    assert.deepEqual(lines[4], { line: 5, error: 'missing string field "text"' });
    assert.deepEqual(lines[5], { line: 6, error: "not a JSON object" });
    assert.match(stderr, /4 of 7 lines were bad/);
  });

  it("carries the other fields through byte for byte, and replaces an input field the answer names", async () => {
    const verbatim = '{"id": 12345678901234567890, "ratio": 1.0, "text": "caf\\u00e9 idiot"}';
    const clash = JSON.stringify({ text: "hello", score: "mine", id: 1 });
    const { code, stdout } = await run(["classify", "--data-dir", dataDir], `${verbatim}\n${clash}\n`);
    assert.equal(code, 0);
    const [first, second] = stdout.trim().split("\n");
    // A parse-and-stringify round trip would print 12345678901234567000, 1 and "café".
    assert.ok(first!.startsWith('{"id": 12345678901234567890, "ratio": 1.0, "text": "caf\\u00e9 idiot","score":'), first);
    const answered = JSON.parse(first!) as Record<string, unknown>;
    assert.equal(answered.text, "café idiot");
    assert.equal(typeof answered.flagged, "boolean");
    const replaced = JSON.parse(second!) as Record<string, unknown>;
    assert.equal(typeof replaced.score, "number");
    assert.equal(replaced.id, 1);
    assert.equal(second!.split('"score":').length, 2, second); // one score, not the input's and the answer's
  });

  it("exits 1 with --strict when a line was bad, 0 when none was", async () => {
    assert.equal((await run(["classify", "--strict", "--data-dir", dataDir], input)).code, 1);
    assert.equal((await run(["classify", "--strict", "--data-dir", dataDir], JSON.stringify({ text: "hello" }))).code, 0);
  });

  it("exits 2 on a usage error", async () => {
    const { code, stderr } = await run(["classify", "--no-such-option"], "");
    assert.equal(code, 2);
    assert.match(stderr, /unknown option/);
  });

  it("writes the same bytes on one thread and on several", async () => {
    const many = Array.from({ length: 700 }, (_, i) => (i % 97 === 5 ? "not json" : JSON.stringify({ text: `message ${i}: ${i % 3 ? "you are an idiot" : "lovely weather"}`, i }))).join("\n");
    const one = await run(["classify", "--threads", "1", "--data-dir", dataDir], many);
    const two = await run(["classify", "--threads", "2", "--data-dir", dataDir], many);
    assert.equal(one.code, 0);
    assert.equal(two.code, 0);
    assert.equal(one.stdout.split("\n").length, 701);
    assert.equal(two.stdout, one.stdout);
    assert.match(two.stderr, /8 of 700 lines were bad/);
  });

  it("reads --in and writes --out files", async () => {
    const inFile = join(dataDir, "in.jsonl");
    const outFile = join(dataDir, "out.jsonl");
    writeFileSync(inFile, input);
    const { code } = await run(["classify", "--in", inFile, "--out", outFile, "--data-dir", dataDir], "");
    assert.equal(code, 0);
    const { readFileSync } = await import("node:fs");
    assert.equal(readFileSync(outFile, "utf8").trim().split("\n").length, 7);
  });
});

describe("classifyStream", () => {
  it("streams: memory does not grow with the input", async () => {
    const engine = new Engine(loadDefaultModel(), parseConfig({}).policy);
    const total = 60_000;
    let produced = 0;
    const line = JSON.stringify({ text: "some ordinary message about the weather and the game tonight " + "x".repeat(200) }) + "\n";
    const input = new Readable({
      read() {
        for (let k = 0; k < 500 && produced < total; k++, produced++) this.push(line);
        if (produced >= total) this.push(null);
      },
    });
    const output = new PassThrough();
    let outLines = 0;
    output.on("data", (d: Buffer) => {
      for (const b of d) if (b === 10) outLines++;
    });
    global.gc?.();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
    const base = process.memoryUsage().heapUsed;
    const result = await classifyStream((lines, first) => classifyBatch(engine, lines, first), input, output);
    clearInterval(sampler);
    assert.equal(result.lines, total);
    assert.equal(result.errors, 0);
    assert.equal(outLines, total);
    // ~16 MB of input went through; a buffering implementation would hold it all (and its output).
    const grownMb = (peak - base) / 1e6;
    assert.ok(grownMb < 12, `heap grew by ${grownMb.toFixed(1)} MB while streaming 16 MB`);
  });
});

describe("ClassifyPool", () => {
  it("answers batches in input order however the workers finish, as one thread would", async () => {
    // A base rate: the workers choose its thresholds from the profile they read beside the model.
    const config = parseConfig({ policy: { thresholds: { abusive: { baseRate: 0.05 } } } });
    const loaded = loadDefaultModel();
    const engine = new Engine(loaded, config.policy);
    const pool = new ClassifyPool(config.policy, 2);
    try {
      pool.load({ path: DEFAULT_MODEL_PATH, sha256: null, profilePath: sidecarPathFor(DEFAULT_MODEL_PATH, "profiles") });
      // Uneven batches: long texts in every other batch, short in the rest, so workers finish out of turn.
      const long = (i: number): boolean => Math.floor(i / BATCH_LINES) % 2 === 0;
      const lines = Array.from({ length: 5 * BATCH_LINES + 100 }, (_, i) => (i % 211 === 0 ? "{" : JSON.stringify({ text: (long(i) ? "idiot " : "hello there ").repeat(long(i) ? 30 : 1) + i })));
      const serial = new PassThrough();
      const parallel = new PassThrough();
      const collect = (s: PassThrough): Promise<string> => new Promise((r) => { let out = ""; s.on("data", (d: Buffer) => (out += d.toString())); s.on("end", () => r(out)); });
      const [a, b] = [collect(serial), collect(parallel)];
      const one = await classifyStream((l, f) => classifyBatch(engine, l, f), Readable.from([lines.join("\n")]), serial);
      const two = await classifyStream(pool.classify, Readable.from([lines.join("\n")]), parallel, 4);
      serial.end();
      parallel.end();
      assert.deepEqual(two, one);
      assert.equal(one.errors, lines.filter((l) => l === "{").length);
      assert.ok(one.errors > 0);
      assert.equal(await b, await a);
    } finally {
      await pool.close();
    }
  });

  it("fails every batch, naming why, when a worker cannot load the model", async () => {
    const config = parseConfig({});
    const pool = new ClassifyPool(config.policy, 1);
    try {
      pool.load({ path: DEFAULT_MODEL_PATH, sha256: "0".repeat(64), profilePath: null });
      await assert.rejects(classifyStream(pool.classify, Readable.from(['{"text": "hi"}']), new PassThrough()), /changed since the model was resolved/);
    } finally {
      await pool.close();
    }
  });
});
