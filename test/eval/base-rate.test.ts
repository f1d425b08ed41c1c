/** The flags' precision, F1 and traffic share on a platform with another base rate (warden eval --base-rate). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommanderError } from "commander";
import fc from "fast-check";
import { parseShare } from "../../src/cli/shared.js";
import { atBaseRate, baseRateMarkdown, baseRateTables, stagesAtBaseRateMarkdown } from "../../src/eval/base-rate.js";
import { binaryMetrics, type Decisions } from "../../src/eval/metrics.js";

const decisions = (labels: number[], flagged: number[]): Decisions => ({ labels: Uint8Array.from(labels), flagged: Uint8Array.from(flagged) });

describe("base rate", () => {
  it("a hand computation: recall 1/2 and 1 innocent message in 4 flagged, on a platform where 10% are positive", () => {
    const r = atBaseRate("d", "en", "abusive", [decisions([1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0])], 0.1);
    assert.equal(r.recall, 0.5);
    assert.equal(r.falsePositiveRate, 0.25);
    // 0.05 of traffic is a caught positive, 0.9 · 0.25 = 0.225 a flagged innocent one.
    assert.ok(Math.abs(r.flaggedShare - 0.275) < 1e-12);
    assert.ok(Math.abs(r.precision - 0.05 / 0.275) < 1e-12);
    assert.ok(Math.abs(r.f1 - 0.1 / 0.375) < 1e-12);
  });

  it("at the rows' own share of positives, precision and F1 are the rows' own", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 2, maxLength: 60 }), (rows) => {
        const labels = rows.map(([y]) => (y ? 1 : 0));
        const positives = labels.reduce((a: number, b) => a + b, 0);
        if (positives === 0 || positives === labels.length) return;
        const flagged = rows.map(([, f]) => (f ? 1 : 0));
        const r = atBaseRate("d", "en", "abusive", [decisions(labels, flagged)], positives / labels.length);
        const m = binaryMetrics(flagged, labels, 1);
        assert.ok(Math.abs(r.precision - m.precision) < 1e-9, `${r.precision} vs ${m.precision}`);
        assert.ok(Math.abs(r.f1 - m.f1) < 1e-9, `${r.f1} vs ${m.f1}`);
      }),
    );
  });

  it("pools a language's datasets, averages over datasets, and refuses a rate that is not a share", () => {
    const flags = new Map([
      ["a", decisions([1, 0], [1, 1])],
      ["b", decisions([1, 0, 0, 0], [0, 0, 0, 0])],
      ["c", decisions([1, 0], [1, 0])],
    ]);
    const sets = [
      { name: "a", lang: "en", task: "abusive" },
      { name: "b", lang: "en", task: "hate" },
      { name: "c", lang: "de", task: "abusive" },
      { name: "not judged", lang: "fr", task: "abusive" },
    ];
    const t = baseRateTables(sets, flags, 0.05);
    assert.deepEqual(t.datasets.map((r) => r.name), ["a", "b", "c"]);
    const en = t.languages.find((r) => r.name === "en")!;
    // en pools a and b: 1 of 2 positives and 1 of 4 negatives flagged.
    assert.equal(en.recall, 0.5);
    assert.equal(en.falsePositiveRate, 0.25);
    assert.equal(en.task, "mixed");
    assert.deepEqual(t.languages.map((r) => r.name), ["de", "en"]);
    assert.ok(Math.abs(t.meanF1 - (t.datasets[0]!.f1 + t.datasets[1]!.f1 + t.datasets[2]!.f1) / 3) < 1e-12);
    assert.equal(t.datasets[2]!.precision, 1);
    for (const bad of [0, 1, -0.1, NaN]) assert.throws(() => baseRateTables(sets, flags, bad), RangeError);
    const md = baseRateMarkdown(t, "m-1");
    assert.match(md, /^### On a platform where 5\.0% of messages are positive/);
    assert.match(md, /\| a \| en \| abusive \| 1\.000 \| 100\.0% \| 100\.0% \| 0\.050 \| 0\.095 \|/);
    assert.match(md, /\| de \| 1\.000 \| 0\.0% \| 5\.0% \| 1\.000 \| 1\.000 \|/);
  });

  it("the stages at a base rate: each stage's F1 in its own column, and the share the cascade sent to stage 2 weighted by messages", () => {
    const sets = [
      { name: "a", lang: "en", task: "abusive" },
      { name: "b", lang: "de", task: "abusive" },
    ];
    const labels = [1, 1, 0, 0];
    // Stage 1 misses a positive; stage 2 and the cascade catch both, and the cascade flags an innocent message too.
    const run = (a: number[], b: number[]) => baseRateTables(sets, new Map([["a", decisions(labels, a)], ["b", decisions(labels, b)]]), 0.05);
    const t = { first: run([1, 0, 0, 0], [1, 1, 0, 0]), second: run([1, 1, 0, 0], [1, 1, 0, 0]), cascade: run([1, 1, 1, 0], [1, 1, 0, 0]) };
    const md = stagesAtBaseRateMarkdown(t, { datasets: [{ name: "a", n: 4, secondStage: 0.5 }, { name: "b", n: 12, secondStage: 0.25 }], languages: [{ name: "en", n: 4, secondStage: 0.5 }] });
    const f1 = (r: { f1: number }) => r.f1.toFixed(3);
    assert.match(md, /^### The cascade on a platform where 5\.0% of messages are positive/);
    assert.ok(md.includes(`| a | en | ${f1(t.first.datasets[0]!)} | 1.000 | ${f1(t.cascade.datasets[0]!)} | 50.0% |`), md);
    assert.ok(t.first.datasets[0]!.f1 < 1 && t.cascade.datasets[0]!.f1 < 1 && t.first.datasets[0]!.f1 !== t.cascade.datasets[0]!.f1);
    // 4 messages at 50% and 12 at 25%: 5 of 16 sent.
    assert.ok(md.includes(`| **mean** | | **${t.first.meanF1.toFixed(3)}** | **1.000** | **${t.cascade.meanF1.toFixed(3)}** | **31.3%** |`), md);
    assert.ok(md.includes("| de | 1.000 | 1.000 | 1.000 | – |"), md);
  });

  it("warden eval --base-rate takes a share strictly between 0 and 1, else a usage error", () => {
    assert.equal(parseShare("0.05", "--base-rate"), 0.05);
    for (const bad of ["0", "1", "5", "-0.1", "abc", ""]) {
      assert.throws(() => parseShare(bad, "--base-rate"), (err: unknown) => err instanceof CommanderError && err.exitCode === 2 && /--base-rate must be a share/.test(err.message));
    }
  });
});
