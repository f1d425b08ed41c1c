import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assignArm, assignmentPoint } from "../../src/experiments/assign.js";
import { LatencyHistogram } from "../../src/stats/latency.js";
import { compareRates } from "../../src/experiments/sequential.js";
import { simulate } from "../../src/experiments/simulate.js";
import { chiSquareSurvival, sampleRatioMismatch } from "../../src/experiments/srm.js";

describe("the anytime-valid test, peeked at after every 100 samples", () => {
  for (const baseRate of [0.05, 0.2, 0.5, 0.8]) {
    it(`keeps 1,000 A/A experiments at a false-positive rate of at most 5% (base rate ${baseRate})`, () => {
      const r = simulate({ experiments: 1000, baseRate, lift: 0, maxPerArm: 20_000, peekEvery: 100, seed: 11 });
      console.log(`A/A base rate ${baseRate}: ${(100 * r.rejectRate).toFixed(1)}% false positives over 1,000 experiments, 200 looks each`);
      assert.ok(r.rejectRate <= 0.05, `${(100 * r.rejectRate).toFixed(1)}%`);
    });
  }

  it("where a z-test looked at as often would be wrong many times more often", () => {
    const r = simulate({ experiments: 1000, baseRate: 0.2, lift: 0, maxPerArm: 20_000, peekEvery: 100, seed: 11, method: "naive-z" });
    assert.ok(r.rejectRate > 0.2, `${(100 * r.rejectRate).toFixed(1)}%`);
  });

  it("finds a real 3-point difference in precision (0.80 → 0.83), the right way round", () => {
    const r = simulate({ experiments: 300, baseRate: 0.8, lift: 0.03, maxPerArm: 20_000, peekEvery: 100, seed: 12 });
    console.log(`0.80 → 0.83: found in ${(100 * r.rejectRate).toFixed(0)}% of 300 experiments, median ${r.samplesToDecision.median} labelled samples per arm (90th percentile ${r.samplesToDecision.p90})`);
    assert.ok(r.rejectRate >= 0.9);
    assert.equal(r.wrongSign, 0);
  });

  it("gives an interval that holds the true difference and narrows with data", () => {
    const small = compareRates({ n: 500, hits: 400 }, { n: 500, hits: 415 });
    const large = compareRates({ n: 50_000, hits: 40_000 }, { n: 50_000, hits: 41_500 });
    assert.ok(small.interval && large.interval);
    assert.ok(small.interval[0] < 0.03 && small.interval[1] > 0.03 && large.interval[0] < 0.03 && large.interval[1] > 0.03);
    assert.ok(large.interval[1] - large.interval[0] < (small.interval[1] - small.interval[0]) / 5);
    assert.ok(large.significant && !small.significant);
  });

  it("says nothing before each arm has enough samples", () => {
    const r = compareRates({ n: 50, hits: 0 }, { n: 50, hits: 50 });
    assert.equal(r.interval, null);
    assert.equal(r.significant, false);
  });
});

describe("the sample-ratio-mismatch check", () => {
  it("matches chi-square tables", () => {
    for (const [x, df, p] of [[3.841, 1, 0.05], [6.635, 1, 0.01], [5.991, 2, 0.05], [18.307, 10, 0.05], [10.828, 1, 0.001]] as const) {
      assert.ok(Math.abs(chiSquareSurvival(x, df) - p) < 2e-4, `χ²(${df}) at ${x}: ${chiSquareSurvival(x, df)}`);
    }
  });

  it("flags a biased split and leaves a fair one alone", () => {
    assert.equal(sampleRatioMismatch([5200, 4800], [0.5, 0.5]).mismatch, true);
    assert.equal(sampleRatioMismatch([5030, 4970], [0.5, 0.5]).mismatch, false);
    assert.equal(sampleRatioMismatch([9000, 1000], [0.9, 0.1]).mismatch, false);
    assert.equal(sampleRatioMismatch([8800, 1200], [0.9, 0.1]).mismatch, true);
  });
});

describe("sticky assignment", () => {
  it("gives a user the same arm every time, and the challenger its share of users", () => {
    const users = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
    const first = users.map((u) => assignArm("exp-a", u, 0.3));
    assert.deepEqual(users.map((u) => assignArm("exp-a", u, 0.3)), first);
    const share = first.filter((a) => a === "challenger").length / users.length;
    assert.ok(Math.abs(share - 0.3) < 0.015, `${share}`);
    assert.equal(sampleRatioMismatch([first.length - share * users.length, share * users.length], [0.7, 0.3]).mismatch, false);
  });

  it("assigns independently in different experiments", () => {
    const users = Array.from({ length: 10_000 }, (_, i) => `u${i}`);
    const both = users.filter((u) => assignArm("one", u, 0.5) === "challenger" && assignArm("two", u, 0.5) === "challenger").length;
    assert.ok(Math.abs(both / users.length - 0.25) < 0.02, `${both}`);
  });

  it("puts every key in [0, 1)", () => {
    fc.assert(fc.property(fc.string(), fc.string(), (e, k) => {
      const p = assignmentPoint(e, k);
      return p >= 0 && p < 1;
    }));
  });
});

describe("latency quantiles in constant memory", () => {
  it("are within 2% of the exact quantiles", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 5000, noNaN: true }), { minLength: 1, maxLength: 2000 }), (xs) => {
        const h = new LatencyHistogram();
        xs.forEach((x) => h.record(x));
        const sorted = [...xs].sort((a, b) => a - b);
        for (const q of [0.5, 0.99]) {
          const exact = sorted[Math.max(0, Math.ceil(q * xs.length) - 1)]!;
          const got = h.quantile(q)!;
          if (got < exact || got > exact * 1.0201) return false;
        }
        return true;
      }),
    );
  });
});
