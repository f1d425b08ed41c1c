import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import type { HoldoutEvaluation } from "../../src/eval/holdout.js";
import { decideGate } from "../../src/pipeline/gate.js";

const settings = parseConfig({}).gate;
const metrics = (f1: number, n = 100) => ({ n, positives: n / 2, precision: f1, recall: f1, f1, rocAuc: 0.9, prAuc: 0.9, ece: 0.02 });
function evaluation(f1: Record<string, number>, extra: Partial<HoldoutEvaluation> = {}, rows = 100): HoldoutEvaluation {
  return {
    model: "m",
    rows: 200,
    datasets: Object.fromEntries(Object.entries(f1).map(([k, v]) => [k, metrics(v, rows)])),
    ece: 0.02,
    attack: { rows: 100, clean: 0.8, meanDrop: 5 },
    ...extra,
  };
}
const fast = { calls: 2000, p50Ms: 0.1, p99Ms: 0.5 };

describe("the promotion gate", () => {
  it("passes a candidate within tolerance of the champion on every dataset", () => {
    const v = decideGate({ evaluation: evaluation({ a: 0.805, b: 0.7 }), latency: fast }, { version: "m-old", evaluation: evaluation({ a: 0.81, b: 0.7 }) }, settings);
    assert.equal(v.passed, true);
    assert.equal(v.champion, "m-old");
    assert.deepEqual(v.checks.map((c) => c.check), ["f1", "attack", "ece", "latency"]);
  });

  it("refuses a candidate whose F1 on any dataset drops more than the tolerance, naming it", () => {
    const v = decideGate({ evaluation: evaluation({ a: 0.9, b: 0.6 }), latency: fast }, { version: "m-old", evaluation: evaluation({ a: 0.8, b: 0.7 }) }, settings);
    assert.equal(v.passed, false);
    assert.match(v.reasons[0]!, /^FAILED b: F1 0\.600 is 10\.0 points below the champion's 0\.700 \(allowed 9\.2\) \(tolerance 1\.0 points, or 2 standard errors where the validation rows are few \(2 of 2 datasets\)\)$/);
  });

  it("tells a real drop from the noise of few validation rows", () => {
    const champion = (rows: number) => ({ version: "m-old", evaluation: evaluation({ a: 0.7 }, {}, rows) });
    const candidate = (rows: number) => ({ evaluation: evaluation({ a: 0.67 }, {}, rows), latency: fast });
    // 3 points on 100 rows: within 2 standard errors (9.2 points), noise.
    assert.equal(decideGate(candidate(100), champion(100), settings).passed, true);
    // The same 3 points on 20,000 rows: real (2 standard errors are 0.6 points, the tolerance 1).
    const big = decideGate(candidate(20_000), champion(20_000), settings);
    assert.equal(big.passed, false);
    assert.match(big.reasons[0]!, /allowed 1\.0\)/);
    // noiseSigmas 0: the tolerance alone.
    assert.equal(decideGate(candidate(100), champion(100), { ...settings, noiseSigmas: 0 }).passed, false);
  });

  it("refuses a candidate more hurt by attacks, badly calibrated or slow", () => {
    const champion = { version: "m-old", evaluation: evaluation({ a: 0.8 }) };
    const attacked = decideGate({ evaluation: evaluation({ a: 0.8 }, { attack: { rows: 100, clean: 0.8, meanDrop: 9 } }), latency: fast }, champion, settings);
    assert.deepEqual(attacked.checks.filter((c) => !c.passed).map((c) => c.check), ["attack"]);
    const uncalibrated = decideGate({ evaluation: evaluation({ a: 0.8 }, { ece: 0.2 }), latency: fast }, champion, settings);
    assert.deepEqual(uncalibrated.checks.filter((c) => !c.passed).map((c) => c.check), ["ece"]);
    const slow = decideGate({ evaluation: evaluation({ a: 0.8 }), latency: { calls: 2000, p50Ms: 5, p99Ms: 50 } }, champion, settings);
    assert.deepEqual(slow.checks.filter((c) => !c.passed).map((c) => c.check), ["latency"]);
    assert.match(slow.reasons[0]!, /FAILED p99 latency 50\.00 ms \(the best of three rounds of 2000 calls; bound 10 ms\)/);
  });

  it("holds a first model (no champion) to the absolute bounds only", () => {
    assert.equal(decideGate({ evaluation: evaluation({ a: 0.1 }), latency: fast }, null, settings).passed, true);
    const v = decideGate({ evaluation: evaluation({ a: 0.9 }, { ece: 0.5 }), latency: fast }, null, settings);
    assert.equal(v.passed, false);
    assert.match(v.reasons.join("\n"), /no champion yet/);
  });
});
