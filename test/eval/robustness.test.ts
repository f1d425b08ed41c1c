import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { readExamples, resolveDatasets } from "../../src/data/datasets.js";
import { Engine } from "../../src/engine/engine.js";
import { ATTACK_FAMILIES } from "../../src/eval/attacks.js";
import { evaluateRobustness, robustnessMarkdown } from "../../src/eval/robustness.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { fixtureArtifact, writeFixtureDataset } from "../helpers/fixture.js";

describe("robustness report: language identification", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-robustness-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const engine = new Engine({ version: "m-fixture00000", model: deserializeModel(fixtureArtifact(), "fixture").model }, parseConfig({}, "test").policy);
  const files = resolveDatasets([writeFixtureDataset(dir)], "test");
  const limit = 60;
  const report = evaluateRobustness(engine, files, { limit, families: ATTACK_FAMILIES.slice(0, 1) });

  it("counts every test message of a language, and its short ones (at most 20 characters) apart", () => {
    // the same tally made here, message by message
    const want = new Map<string, { n: number; ok: number; shortN: number; shortOk: number }>();
    for (const file of files) {
      for (const e of readExamples(file).slice(0, limit)) {
        const t = want.get(e.lang) ?? { n: 0, ok: 0, shortN: 0, shortOk: 0 };
        const right = engine.classify(e.text).lang === e.lang;
        const short = [...e.text.trim()].length <= 20;
        t.n++;
        t.ok += right ? 1 : 0;
        t.shortN += short ? 1 : 0;
        t.shortOk += short && right ? 1 : 0;
        want.set(e.lang, t);
      }
    }
    const tested = report.langid.filter((l) => l.source === "test split");
    assert.deepEqual(tested.map((l) => l.lang).sort(), [...want.keys()].sort());
    for (const l of tested) {
      const t = want.get(l.lang)!;
      assert.equal(l.n, t.n, l.lang);
      assert.equal(l.accuracy, t.ok / t.n, l.lang);
      assert.equal(l.short.n, t.shortN, l.lang);
      assert.equal(l.short.accuracy, t.shortN > 0 ? t.shortOk / t.shortN : null, l.lang);
    }
    // the fixture has languages with short messages and without: both branches are exercised
    assert.ok(tested.some((l) => l.short.n > 0) && tested.some((l) => l.short.n < l.n));
  });

  it("puts the short messages' count and accuracy in the Markdown table", () => {
    const md = robustnessMarkdown(report, "warden eval --attacks");
    assert.match(md, /\| language \| measured on \| n \| accuracy \| most often mistaken for \| short messages \(≤ 20 characters\) \| accuracy on them \|/);
    for (const l of report.langid) {
      const shortCells = `${l.short.n} | ${l.short.accuracy === null ? "–" : l.short.accuracy.toFixed(3)} |`;
      assert.ok(md.includes(`| ${l.lang} | ${l.source} | ${l.n} | ${l.accuracy.toFixed(3)} | ${l.confusedWith} | ${shortCells}`), l.lang);
    }
  });
});
