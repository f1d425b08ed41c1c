import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { averagePrecision, binaryMetrics, rocAuc } from "../../src/eval/metrics.js";

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
});
