import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pairedF1Intervals } from "../../src/eval/bootstrap.js";
import { decisionsAt, type Decisions } from "../../src/eval/metrics.js";

const rows = (labels: number[], flagged: number[]): Decisions => ({ labels: Uint8Array.from(labels), flagged: Uint8Array.from(flagged) });

describe("paired bootstrap of F1 differences", () => {
  const labels = Array.from({ length: 200 }, (_, i) => i % 2);
  const perfect = rows(labels, labels);
  const flagsAll = rows(labels, labels.map(() => 1));

  it("gives a difference of exactly zero, every resample, for the same flags", () => {
    const { perDataset, mean } = pairedF1Intervals([[perfect, perfect]]);
    assert.deepEqual(perDataset[0], { estimate: 0, low: 0, high: 0 });
    assert.deepEqual(mean, { estimate: 0, low: 0, high: 0 });
  });

  it("puts a clearly better classifier's whole interval above zero, and the worse one's below", () => {
    // perfect: F1 1; flagging everything: 2·100 / (2·100 + 100) = 2/3
    const [better] = pairedF1Intervals([[perfect, flagsAll]]).perDataset;
    assert.ok(Math.abs(better!.estimate - 1 / 3) < 1e-12);
    assert.ok(better!.low > 0.25 && better!.high <= 0.45, JSON.stringify(better));
    const [worse] = pairedF1Intervals([[flagsAll, perfect]]).perDataset;
    assert.ok(worse!.high < 0, JSON.stringify(worse));
  });

  it("keeps zero inside the interval when the classifiers differ on one row of many", () => {
    const oneMiss = rows(labels, labels.map((y, i) => (i === 1 ? 0 : y)));
    const [d] = pairedF1Intervals([[oneMiss, perfect]]).perDataset;
    assert.ok(d!.estimate < 0 && d!.low < 0 && d!.high >= 0, JSON.stringify(d));
  });

  it("is the same for the same seed, and its mean is the mean of the datasets' differences", () => {
    const noisy = rows(labels, labels.map((y, i) => (i % 7 === 0 ? 1 - y : y)));
    const pairs = [[noisy, perfect], [perfect, flagsAll]] as const;
    const a = pairedF1Intervals(pairs, 500, 3);
    assert.deepEqual(a, pairedF1Intervals(pairs, 500, 3));
    assert.notDeepEqual(a.mean, pairedF1Intervals(pairs, 500, 4).mean);
    assert.ok(Math.abs(a.mean.estimate - (a.perDataset[0]!.estimate + a.perDataset[1]!.estimate) / 2) < 1e-12);
    assert.ok(a.mean.low <= a.mean.estimate && a.mean.estimate <= a.mean.high);
  });

  it("refuses decisions that do not cover the same rows", () => {
    assert.throws(() => pairedF1Intervals([[perfect, rows([1, 0], [1, 0])]]), /same rows/);
  });

  it("flags rows exactly as binaryMetrics counts them (score at or above the threshold)", () => {
    assert.deepEqual(decisionsAt([0.5, 0.49, 0.9], [1, 1, 0], 0.5), rows([1, 1, 0], [1, 0, 1]));
    assert.deepEqual(decisionsAt([0.5, 0.5], [1, 0], [0.6, 0.4]).flagged, Uint8Array.from([0, 1]));
  });
});
