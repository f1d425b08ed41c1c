import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectedCalibrationError } from "../../src/eval/calibration.js";

describe("expected calibration error", () => {
  it("is 0 when scores match observed frequencies", () => {
    const scores = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
    assert.equal(expectedCalibrationError(scores, [1, 0, 0, 0, 1, 1, 1, 0]), 0);
  });

  it("weighs each bin's gap by its share of examples", () => {
    assert.ok(Math.abs(expectedCalibrationError([0.9, 0.9, 0.1, 0.1], [1, 1, 0, 0]) - 0.1) < 1e-12);
    // overconfident: says 0.95, right half the time
    assert.ok(Math.abs(expectedCalibrationError([0.95, 0.95], [1, 0]) - 0.45) < 1e-12);
  });

  it("puts a score of 1 in the last bin and is NaN with no examples", () => {
    assert.equal(expectedCalibrationError([1, 1], [1, 1]), 0);
    assert.ok(Number.isNaN(expectedCalibrationError([], [])));
  });
});
