import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { f1OptimalThreshold } from "../../src/eval/metrics.js";
import { fitPlatt, plattLoss, plattTargets } from "../../src/model/calibrate.js";
import { sigmoid } from "../../src/model/linear.js";
import { mulberry32 } from "../../src/model/shuffle.js";

/** Margins and labels drawn so that P(label 1 | margin) = sigmoid(a * margin + b): calibrated by construction. */
function calibratedSample(n: number, a: number, b: number, seed: number): { margins: number[]; labels: number[] } {
  const rand = mulberry32(seed);
  const margins: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = (rand() - 0.5) * 8;
    margins.push(m);
    labels.push(rand() < sigmoid(a * m + b) ? 1 : 0);
  }
  return { margins, labels };
}

function f1At(scores: number[], labels: number[], t: number): number {
  let tp = 0, fp = 0, fn = 0;
  scores.forEach((s, i) => {
    if (s >= t) labels[i] ? tp++ : fp++;
    else if (labels[i]) fn++;
  });
  return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
}

const GRID = Array.from({ length: 37 }, (_, k) => 0.05 + k * 0.025);

function spread(xs: number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
}

describe("fitPlatt", () => {
  it("recovers the slope and offset of calibrated data", () => {
    const { margins, labels } = calibratedSample(20_000, 1.5, -1, 1);
    const { a, b } = fitPlatt(margins, labels);
    assert.ok(Math.abs(a - 1.5) < 0.1, `a = ${a}`);
    assert.ok(Math.abs(b + 1) < 0.1, `b = ${b}`);
  });

  it("does not diverge when the classes barely overlap far from a margin of zero, and never ends worse than it began", () => {
    // Full Newton steps took this sample (found by random search) to a = 1.1e11, a step
    // function; a retrain's Turkish calibration did the same and ranked nothing.
    const margins = [96.3689, 56.8881, 54.378, 101.7827, 91.5409, 56.0279, 56.8654, 99.8625, 50.4824, 92.7158, 56.3526, 58.888, 56.8507, 44.1898, 95.7686, 54.2685, 51.3405, 57.7163, 46.0381, 47.2624, 50.6639];
    const labels = [1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    const { a, b } = fitPlatt(margins, labels);
    assert.ok(Number.isFinite(a) && Math.abs(a) < 10, `a = ${a}`);
    // the positives (margins above 90) get high probabilities, the negatives (below 60) low ones
    margins.forEach((m, i) => assert.equal(sigmoid(a * m + b) > 0.5, labels[i] === 1, `margin ${m}`));
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 80 }), fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0.01, max: 50, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), fc.integer(), (n, shift, scale, separation, seed) => {
        const rand = mulberry32(seed);
        const ls = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
        const ms = ls.map((l) => shift + scale * (rand() - 0.5 + (l ? separation : -separation)));
        const fit = fitPlatt(ms, ls);
        const targets = plattTargets(ls);
        assert.ok(plattLoss(ms, targets, fit.a, fit.b) <= plattLoss(ms, targets, 1, 0) + 1e-9, JSON.stringify({ ms, ls, fit }));
      }),
      { numRuns: 500 },
    );
  });
});

describe("f1OptimalThreshold", () => {
  it("is half the best F1, close to the F1-optimal threshold on a large calibrated sample", () => {
    const { margins, labels } = calibratedSample(50_000, 1.2, -1.5, 2);
    const scores = margins.map((m) => sigmoid(1.2 * m - 1.5));
    const t = f1OptimalThreshold(scores, labels);
    const best = Math.max(...GRID.map((g) => f1At(scores, labels, g)));
    assert.equal(t, Math.round(best * 500) / 1000);
    assert.ok(f1At(scores, labels, t) > best - 0.005, `F1 ${f1At(scores, labels, t)} at ${t}, best ${best}`);
  });

  it("moves less between small validation samples than the empirical F1 curve's argmax", () => {
    const chosen: number[] = [];
    const argmax: number[] = [];
    for (let seed = 10; seed < 40; seed++) {
      const { margins, labels } = calibratedSample(400, 1.2, -1.5, seed);
      const scores = margins.map((m) => sigmoid(1.2 * m - 1.5));
      chosen.push(f1OptimalThreshold(scores, labels));
      const f1s = GRID.map((g) => f1At(scores, labels, g));
      argmax.push(GRID[f1s.indexOf(Math.max(...f1s))]!);
    }
    assert.ok(spread(chosen) < spread(argmax) / 2, `spread ${spread(chosen).toFixed(3)} against the argmax's ${spread(argmax).toFixed(3)}`);
  });

  it("answers the neutral 0.5 when no threshold finds a positive", () => {
    assert.equal(f1OptimalThreshold([0.2, 0.9], [0, 0]), 0.5);
  });
});
