/**
 * `warden train` as users run it: cached, resumable, gated, reproducible, with lineage.
 * Each test writes its own small fixture data and config (bits 15–16) and trains in
 * empty temporary data dirs.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { Registry } from "../../src/registry/registry.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { ALL_STEPS, cleanup, tempDir, train, trainAndKillAt, trainArgs, writeConfig, writeData } from "./helpers.js";

const sha = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The cache file of `step` under `dataDir` (its manifest names the step). */
function cacheFileOf(dataDir: string, step: string): string {
  const dir = join(dataDir, "cache");
  for (const name of readdirSync(dir)) {
    const buf = readFileSync(join(dir, name));
    const manifest = JSON.parse(buf.toString("utf8", 8, 8 + buf.readUInt32LE(4))) as { step: string };
    if (manifest.step === step) return join(dir, name);
  }
  throw new Error(`no cache file for step ${step}`);
}

async function withRegistry<T>(dataDir: string, fn: (r: Registry) => Promise<T>): Promise<T> {
  const store = new SqliteStore(join(dataDir, "warden.db"));
  try {
    return await fn(new Registry(store, dataDir));
  } finally {
    await store.close();
  }
}

describe("warden train", () => {
  after(cleanup);
  const data = writeData(tempDir("data"));
  const config = writeConfig(tempDir("config"));
  const first = tempDir("wd");

  it("gives byte-identical artifacts for the same data and config in two empty data dirs", () => {
    const a = train(data, config, first);
    const b = train(data, config, tempDir("wd"));
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(Object.keys(a.last!), ["version", "artifact", "sha256", "gate", "cached_steps"]);
    assert.equal(a.last!.sha256, b.last!.sha256);
    assert.equal(sha(a.last!.artifact), a.last!.sha256);
    assert.equal(sha(b.last!.artifact), b.last!.sha256);
    assert.deepEqual(a.last!.cached_steps, []);
  });

  it("reuses every step on a rerun with nothing changed", () => {
    const again = train(data, config, first);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(again.last!.cached_steps, ALL_STEPS);
    assert.equal(again.last!.sha256, train(data, config, tempDir("wd")).last!.sha256);
  });

  it("reruns only the steps downstream of a changed parameter", () => {
    const ftrl = train(data, writeConfig(tempDir("config"), { ftrl: { alpha: 2 } }), first);
    assert.equal(ftrl.status, 0, ftrl.stderr);
    assert.deepEqual(ftrl.last!.cached_steps, ["validate", "split", "language"]);
    // tail averaging changes the fitted weights, hence the artifact, from the same steps before it
    const averaged = train(data, writeConfig(tempDir("config"), { averageSnapshots: 4 }), first);
    assert.equal(averaged.status, 0, averaged.stderr);
    assert.deepEqual(averaged.last!.cached_steps, ["validate", "split", "language"]);
    assert.notEqual(averaged.last!.sha256, train(data, config, first).last!.sha256);
    const gate = train(data, writeConfig(tempDir("config"), {}, { gate: { f1Tolerance: 0.02 } }), first);
    assert.deepEqual(gate.last!.cached_steps, ["validate", "split", "language", "train", "calibrate", "evaluate", "reference", "profile"]);
  });

  it("recomputes an output whose file is missing or fails its checksum, and nothing that did not change", () => {
    const dataDir = tempDir("wd");
    assert.equal(train(data, config, dataDir).status, 0);
    const fit = cacheFileOf(dataDir, "train");
    const bytes = readFileSync(fit);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(fit, bytes);
    rmSync(cacheFileOf(dataDir, "language"));
    const r = train(data, config, dataDir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /step train: running \(its cached output failed the checksum\)/);
    // recomputed to the same bytes, so the steps after them are reused
    assert.deepEqual(r.last!.cached_steps, ["validate", "split", "calibrate", "evaluate", "reference", "profile", "gate", "register"]);
  });

  it("resumes after kill -9 during the train step, reusing the steps before it", async () => {
    const slowData = writeData(tempDir("data"), 8);
    const slow = writeConfig(tempDir("config"), { epochs: 50, features: { bits: 16 } });
    const dataDir = tempDir("wd");
    const killed = await trainAndKillAt("step train: running", trainArgs(slowData, slow, dataDir));
    assert.equal(killed.signal, "SIGKILL", `the run ended before it could be killed:\n${killed.stderr}`);
    assert.doesNotMatch(killed.stderr, /step train: done/);
    const resumed = train(slowData, slow, dataDir);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(resumed.last!.cached_steps, ["validate", "split", "language"]);
    assert.deepEqual(readdirSync(join(dataDir, "cache")).filter((n) => n.includes(".tmp-")), [], "no temporary file is left behind");
    assert.equal(resumed.last!.sha256, train(slowData, slow, tempDir("wd")).last!.sha256, "the resumed run gives the uninterrupted run's bytes");
  });

  it("refuses a worse model at the gate, with reasons, and keeps the champion", async () => {
    const dataDir = tempDir("wd");
    const good = train(data, writeConfig(tempDir("config"), { features: { bits: 16 } }), dataDir, ["--promote"]);
    assert.equal(good.status, 0, good.stderr);
    assert.equal(good.last!.gate, "passed");
    const worse = train(data, writeConfig(tempDir("config"), { features: { bits: 8 } }), dataDir, ["--promote"]);
    assert.equal(worse.status, 0, worse.stderr);
    assert.equal(worse.last!.gate, "failed");
    assert.match(worse.stderr, /gate failed:\n\s+- FAILED fixture_\w+: F1 [\d.]+ is [\d.]+ points below the champion's/);
    assert.match(worse.stderr, /not promoted: the gate failed/);
    await withRegistry(dataDir, async (registry) => {
      assert.equal(await registry.championVersion(), good.last!.version);
      const lineage = (await registry.record(worse.last!.version))!.meta.lineage as { parent: string; gate: { passed: boolean; reasons: string[] } };
      assert.equal(lineage.parent, good.last!.version);
      assert.equal(lineage.gate.passed, false);
      assert.ok(lineage.gate.reasons.some((r) => r.startsWith("FAILED")));
      await assert.rejects(registry.promote(worse.last!.version), /failed its promotion gate \(FAILED fixture_/);
      assert.equal(await registry.championVersion(), good.last!.version);
    });
  });

  it("records lineage on the registered model: data hashes, config, code, metrics, gate, parent", async () => {
    const r = train(data, config, first);
    await withRegistry(first, async (registry) => {
      const meta = (await registry.record(r.last!.version))!.meta as Record<string, any>;
      const files = meta.lineage.data.files as Array<{ path: string; sha256: string }>;
      assert.equal(files.length, 3);
      for (const f of files) assert.equal(f.sha256, sha(f.path));
      assert.equal(meta.lineage.config.training.features.bits, 15);
      assert.ok(meta.lineage.code.commit === null || /^[0-9a-f]{40}$/.test(meta.lineage.code.commit));
      assert.equal(typeof meta.lineage.code.dirty, "boolean");
      assert.equal(meta.lineage.gate.passed, true);
      assert.equal(meta.lineage.parent, null);
      assert.ok(meta.evaluation.evaluation.datasets.fixture_abuse.f1 > 0.5);
      assert.ok(existsSync(meta.lineage.data.report.markdown));
      assert.deepEqual(meta.datasets.map((d: { name: string }) => d.name), ["fixture_abuse", "fixture_hate", "fixture_spam"]);
    });
  });

  it("keeps the candidate's validation score profile beside it, from which a base rate in the policy chooses thresholds", async () => {
    const baseRate = { policy: { thresholds: { abusive: { baseRate: 0.05 } } } };
    const r = train(data, writeConfig(tempDir("config"), {}, baseRate), first);
    assert.equal(r.status, 0, r.stderr);
    // The candidate is judged at its own thresholds, so a base rate changes nothing the pipeline makes.
    assert.equal(r.last!.sha256, train(data, config, first).last!.sha256);
    await withRegistry(first, async (registry) => {
      const loaded = await registry.load(r.last!.version);
      const profile = loaded.profile!;
      assert.deepEqual(Object.keys(profile.categories).sort(), ["abusive", "hate", "spam"]);
      // Every validation row counted once, in its dataset's category.
      const counted = Object.values(profile.categories).reduce((a, c) => a + [...c.pooled.positive, ...c.pooled.negative].reduce((x, y) => x + y, 0), 0);
      assert.equal(counted, (loaded.meta.counts as { validation: number }).validation);
      const review = new Engine(loaded, parseConfig(baseRate).policy).flagThreshold("abusive", "en");
      assert.equal(Math.round(review * profile.bins), review * profile.bins, "a threshold chosen from the profile is a bin edge");
    });
  });

  it("stops with exit 1 naming file and line when a data file has bad lines", () => {
    const bad = writeData(tempDir("data"));
    const file = join(bad, "fixture_hate", "train.jsonl");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    lines.splice(4, 0, '{"text": "", "label": 1}');
    lines.splice(9, 0, '{"text": "fine", "label": 2}');
    lines.splice(11, 0, "not json");
    writeFileSync(file, lines.join("\n") + "\n");
    const dataDir = tempDir("wd");
    const r = train(bad, config, dataDir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`3 lines break the line rules, first ${file}:5: "text" must be a non-empty string`));
    const reports = readdirSync(join(dataDir, "reports"));
    const markdown = readFileSync(join(dataDir, "reports", reports.find((n) => n.endsWith(".md"))!), "utf8");
    for (const where of [`${file}:5:`, `${file}:10: "label" must be 0 or 1. Got 2.`, `${file}:12: not valid JSON.`]) assert.ok(markdown.includes(where), where);
    assert.equal(r.last, null, "no summary line: nothing was registered");
  });

  it("reports a test split that overlaps the training data as leakage (and fails on it when told to)", () => {
    const leaky = writeData(tempDir("data"));
    const test = join(leaky, "fixture_spam", "test.jsonl");
    // a training line of another dataset, recased and repunctuated: the same normalized text
    const trainLine = JSON.parse(readFileSync(join(leaky, "fixture_abuse", "train.jsonl"), "utf8").split("\n")[0]!) as { text: string };
    const leaked = { text: `  ${trainLine.text.toUpperCase()} ...`, label: 1, lang: "en" };
    writeFileSync(test, JSON.stringify(leaked) + "\n" + readFileSync(test, "utf8"));
    const dataDir = tempDir("wd");
    const warned = train(leaky, config, dataDir);
    assert.equal(warned.status, 0, warned.stderr);
    assert.match(warned.stderr, /data warning \(leakage, 3 in all\)/);
    const reportFile = readdirSync(join(dataDir, "reports")).find((n) => n.endsWith(".json"))!;
    const report = JSON.parse(readFileSync(join(dataDir, "reports", reportFile), "utf8")) as { leakage: Array<{ test: string; overlapping: number; examples: string[] }> };
    const spam = report.leakage.find((l) => l.test === test)!;
    assert.equal(spam.examples[0], `${test}:1`);
    assert.ok(spam.overlapping >= 1);

    const failing = train(leaky, writeConfig(tempDir("config"), {}, { contract: { leakage: "fail" } }), tempDir("wd"));
    assert.equal(failing.status, 1);
    assert.ok(failing.stderr.includes(`first at ${test}:1.`), failing.stderr);
  });

  it("rejects an unknown config key, naming it", () => {
    const r = train(data, writeConfig(tempDir("config"), {}, { gate: { maxEcee: 0.1 } }), tempDir("wd"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /gate: unknown key\(s\): maxEcee/);
  });
});
