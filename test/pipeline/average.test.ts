/**
 * Tail averaging of the fitted weights (train.ts WeightAverage): when its snapshots fall
 * in the last epoch, and that the result is their mean.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WeightAverage } from "../../src/pipeline/train.js";

/** The steps of an epoch of `length` at which `snapshots` are taken. */
function schedule(snapshots: number, length: number): number[] {
  const avg = new WeightAverage(snapshots, length);
  const at: number[] = [];
  for (let k = 0; k < length; k++) {
    if (!avg.due(k)) continue;
    avg.add({ weights: Float32Array.of(k), bias: Float32Array.of(0) });
    at.push(k);
  }
  return at;
}

describe("tail averaging", () => {
  it("takes its snapshots at the ends of equal parts of the last epoch, the last at its end", () => {
    assert.deepEqual(schedule(3, 10), [3, 6, 9]);
    assert.deepEqual(schedule(10, 100), [9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
    for (const [s, n] of [[7, 1000], [10, 12_345], [2, 3]] as const) {
      const at = schedule(s, n);
      assert.equal(at.length, s);
      assert.equal(at.at(-1), n - 1);
    }
  });

  it("takes one at every step of an epoch shorter than its snapshots, ending at the end", () => {
    assert.deepEqual(schedule(5, 2), [0, 1]);
  });

  it("gives the mean of the snapshots, weights and biases", () => {
    const avg = new WeightAverage(2, 4);
    avg.add({ weights: Float32Array.of(1, -2, 0.5), bias: Float32Array.of(3) });
    avg.add({ weights: Float32Array.of(3, 2, 0.25), bias: Float32Array.of(-1) });
    const m = avg.mean();
    assert.deepEqual([...m.weights], [2, 0, 0.375]);
    assert.deepEqual([...m.bias], [1]);
  });
});
