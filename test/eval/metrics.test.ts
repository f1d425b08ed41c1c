import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { averagePrecision, binaryMetrics, hindsightF1, rocAuc } from "../../src/eval/metrics.js";

describe("metrics", () => {
  it("computes precision, recall and F1 at the threshold", () => {
    const m = binaryMetrics([0.9, 0.8, 0.3, 0.6, 0.1], [1, 0, 1, 1, 0]);
    assert.equal(m.precision, 2 / 3);
    assert.equal(m.recall, 2 / 3);
    assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
  });
  it("ROC AUC matches the pairwise definition, ties counted half", () => {
    assert.equal(rocAuc([0.9, 0.8, 0.3, 0.6], [1, 0, 1, 0]), 0.5);
    assert.equal(rocAuc([0.9, 0.1], [1, 0]), 1);
    assert.equal(rocAuc([0.5, 0.5], [1, 0]), 0.5);
    assert.ok(Number.isNaN(rocAuc([0.5, 0.4], [1, 1])));
  });
  it("average precision matches a hand computation", () => {
    // ranks: 1 (pos) → P=1, 2 (neg), 3 (pos) → P=2/3 ; AP = 0.5*1 + 0.5*2/3
    assert.ok(Math.abs(averagePrecision([0.9, 0.8, 0.7], [1, 0, 1]) - (0.5 + 1 / 3)) < 1e-12);
  });

  it("the F1 at a threshold chosen in hindsight: a hand computation, and ties are never split", () => {
    // flag the top two (one positive of two): F1 = 2·1 / (2·1 + 1 + 1) = 0.5; flag all three: 2·2 / (4 + 1) = 0.8
    assert.equal(hindsightF1([0.9, 0.8, 0.7], [0, 1, 1]), 0.8);
    // the two tied scores go together: flagging the positive alone is not a choice
    assert.equal(hindsightF1([0.5, 0.5, 0.1], [1, 0, 0]), 2 / 3);
    assert.equal(hindsightF1([0.2, 0.1], [0, 0]), 0);
  });
  it("hindsightF1 is the best F1 of every threshold binaryMetrics could be given", () => {
    const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.boolean()), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(rows, (r) => {
        const scores = r.map(([s]) => s / 8);
        const labels = r.map(([, y]) => (y ? 1 : 0));
        const best = Math.max(0, ...scores.map((t) => binaryMetrics(scores, labels, t).f1));
        assert.ok(Math.abs(hindsightF1(scores, labels) - best) < 1e-12);
      }),
      { numRuns: 2000 },
    );
  });
});
