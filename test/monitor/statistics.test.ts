import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AlertBook } from "../../src/monitor/alerts.js";
import { ExpectedPerformance } from "../../src/monitor/cbpe.js";
import { jensenShannon, psi } from "../../src/monitor/drift.js";
import { DEFAULT_THRESHOLDS, MIN_LABELLED_FLAGGED, driftStatistics } from "../../src/monitor/statistics.js";
import { Window, type MonitorRecord } from "../../src/monitor/window.js";

describe("drift statistics", () => {
  it("PSI is 0 for the same distribution, grows with the shift, and is symmetric in a shift's size", () => {
    const ref = [10, 20, 30, 40];
    assert.equal(psi(ref, [1, 2, 3, 4]), 0);
    const small = psi(ref, [12, 20, 30, 38]);
    const large = psi(ref, [40, 30, 20, 10]);
    assert.ok(small > 0 && small < 0.1, `${small}`);
    assert.ok(large > 0.2, `${large}`);
    fc.assert(fc.property(fc.array(fc.nat(1000), { minLength: 2, maxLength: 20 }), fc.array(fc.nat(1000), { minLength: 2, maxLength: 20 }), (a, b) => {
      const n = Math.min(a.length, b.length);
      const v = psi(a.slice(0, n), b.slice(0, n));
      return Number.isFinite(v) && v >= -1e-12;
    }));
  });

  it("Jensen–Shannon is symmetric, in [0, 1], 0 for the same mix and 1 for disjoint ones", () => {
    assert.equal(jensenShannon({ en: 5, de: 5 }, { en: 50, de: 50 }), 0);
    assert.ok(Math.abs(jensenShannon({ en: 1 }, { zh: 1 }) - 1) < 1e-12);
    fc.assert(fc.property(fc.dictionary(fc.constantFrom("en", "de", "fr", "zh"), fc.nat(100)), fc.dictionary(fc.constantFrom("en", "de", "ru"), fc.nat(100)), (p, q) => {
      const a = jensenShannon(p, q);
      const b = jensenShannon(q, p);
      return a >= 0 && a <= 1 + 1e-12 && Math.abs(a - b) < 1e-12;
    }));
  });
});

describe("the label-free estimate", () => {
  it("is the mean score of what was flagged (precision) and its share of all scores (recall)", () => {
    const e = new ExpectedPerformance();
    e.add(0.9, true);
    e.add(0.7, true);
    e.add(0.2, false);
    e.add(0.2, false);
    assert.ok(Math.abs(e.precision()! - 0.8) < 1e-12);
    assert.ok(Math.abs(e.recall()! - 1.6 / 2) < 1e-12);
    assert.equal(new ExpectedPerformance().precision(), null);
  });
});

describe("alerts", () => {
  const stat = (value: number) => ({ x: { value, alert: 0.2, description: "x" } });

  it("fire after two evaluations in a row over the threshold and resolve after two well under it", () => {
    const book = new AlertBook({ consecutive: 2, resolveFraction: 0.8 });
    assert.deepEqual(book.evaluate(stat(0.25), 1), []);
    const fired = book.evaluate(stat(0.3), 2);
    assert.equal(fired[0]?.state, "firing");
    assert.match(fired[0]!.message, /x: 0\.300, over the alert threshold 0\.200/);
    assert.deepEqual(book.evaluate(stat(0.1), 3), []);
    assert.equal(book.evaluate(stat(0.1), 4)[0]?.state, "resolved");
    assert.equal(book.list()[0]!.state, "resolved");
  });

  it("do not flap when a value hovers around the threshold", () => {
    const book = new AlertBook({ consecutive: 2, resolveFraction: 0.8 });
    let changes = 0;
    for (let i = 0; i < 200; i++) changes += book.evaluate(stat(i % 2 ? 0.21 : 0.19), i).length;
    assert.equal(changes, 0);
    book.evaluate(stat(0.3), 300);
    book.evaluate(stat(0.3), 301);
    for (let i = 0; i < 200; i++) changes += book.evaluate(stat(i % 2 ? 0.21 : 0.17), 400 + i).length;
    assert.equal(changes, 0, "once firing, a value between 0.16 and 0.2 does not resolve it");
  });
});

describe("the feedback precision statistic", () => {
  const record = (score: number): MonitorRecord => ({
    ts: 1, score, flagged: score >= 0.5, action: score >= 0.5 ? "review" : "allow", lang: "en", model: "m", latencyMs: 1, degraded: false, secondStage: false,
    words: ["w"], unknownWords: 0, evasion: false, repairedEncoding: false, invisible: false, categories: { abusive: score }, flaggedCategories: { abusive: score >= 0.5 },
  });
  const withLabels = (flaggedLabels: number, positives: number): Window => {
    const w = new Window(0);
    for (let i = 0; i < 100; i++) w.add(record(i % 2 ? 0.9 : 0.1));
    for (let i = 0; i < flaggedLabels; i++) w.addFeedback({ label: i < positives ? 1 : 0, flagged: true, lang: "en", model: "m", category: "abusive" });
    return w;
  };

  it("measures how far reviewers' precision fell below the validation precision, once enough flagged messages are labelled", () => {
    const ref = withLabels(0, 0);
    const fell = driftStatistics(ref, withLabels(MIN_LABELLED_FLAGGED + 10, 10), DEFAULT_THRESHOLDS).feedback_precision_drop!;
    assert.ok(fell.value! > fell.alert, `${fell.value}`);
    assert.ok(Math.abs(fell.value! - (0.9 - 10 / 40)) < 1e-9);
    const held = driftStatistics(ref, withLabels(MIN_LABELLED_FLAGGED + 10, 36), DEFAULT_THRESHOLDS).feedback_precision_drop!;
    assert.ok(held.value! < held.warn);
    assert.equal(driftStatistics(ref, withLabels(MIN_LABELLED_FLAGGED - 1, 0), DEFAULT_THRESHOLDS).feedback_precision_drop!.value, null);
  });
});
