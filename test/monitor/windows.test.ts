/**
 * Monitoring windows close after `windowSize` messages or `windowSeconds`, and every
 * closed window goes to `onClose` (the server shares it with the other replicas). A
 * window that holds only labels must close too: a label given after the last message
 * would otherwise never reach the other replicas.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_MONITOR, Monitor } from "../../src/monitor/monitor.js";
import type { Window } from "../../src/monitor/window.js";
import { buildLexicon } from "../../src/text/lexicon.js";

function monitorWithClock(): { monitor: Monitor; closed: Window[]; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const closed: Window[] = [];
  const lexicon = buildLexicon(["hello there"], undefined, 1);
  const monitor = new Monitor(() => ({ lexicon, profile: null }), { ...DEFAULT_MONITOR, windowSize: 10, windowSeconds: 1, minMessages: 5 }, null, () => {}, () => clock.now, (w) => closed.push(w));
  return { monitor, closed, clock };
}

const label = { label: 1 as const, flagged: true, lang: "en", model: "m-1", category: "abusive", score: 0.9 };

describe("monitoring windows", () => {
  it("closes a window of labels alone once its time is up, and hands it on", () => {
    const { monitor, closed, clock } = monitorWithClock();
    monitor.observeFeedback("p-1", label);
    monitor.flush();
    assert.equal(closed.length, 0, "closed before its time");
    clock.now += 1_000;
    monitor.flush();
    assert.equal(closed.length, 1);
    assert.equal(closed[0]!.n, 0);
    assert.equal(closed[0]!.feedback.get("*")?.tp, 1);
  });

  it("replaces a label corrected within the open window, and counts a correction of a closed window's label in the open one", () => {
    const { monitor, closed, clock } = monitorWithClock();
    const status = (): { quality: { feedback_n: number; precision: number | null } } => monitor.status(3_600_000, "1h") as { quality: { feedback_n: number; precision: number | null } };
    monitor.observeFeedback("p-1", label);
    monitor.observeFeedback("p-2", label);
    monitor.observeFeedback("p-1", { ...label, label: 0 });
    assert.equal(status().quality.feedback_n, 2, "a corrected label counted beside the first");
    assert.equal(status().quality.precision, 0.5);
    clock.now += 1_000;
    monitor.flush();
    assert.deepEqual(closed[0]!.feedback.get("*"), { tp: 1, fp: 1, fn: 0, tn: 0 });
    assert.equal(closed[0]!.calibrationCount.reduce((a, b) => a + b, 0), 2);
    // The window that counted p-1 has closed: a second correction counts in the open one.
    monitor.observeFeedback("p-1", label);
    clock.now += 1_000;
    monitor.flush();
    assert.deepEqual(closed[1]!.feedback.get("*"), { tp: 1, fp: 0, fn: 0, tn: 0 });
  });

  it("leaves an empty window open however long nothing happens", () => {
    const { monitor, closed, clock } = monitorWithClock();
    clock.now += 60_000;
    monitor.flush();
    assert.equal(closed.length, 0);
  });

  it("counts a label in GET /v1/monitor's figures whether or not its window has closed", () => {
    const { monitor, clock } = monitorWithClock();
    monitor.observeFeedback("p-1", label);
    const open = monitor.status(3_600_000, "1h") as { quality: { feedback_n: number } };
    assert.equal(open.quality.feedback_n, 1);
    clock.now += 1_000;
    monitor.flush();
    const closedNow = monitor.status(3_600_000, "1h") as { quality: { feedback_n: number } };
    assert.equal(closedNow.quality.feedback_n, 1);
  });

  it("keeps old windows coarser, so memory stays bounded at any traffic, and loses no message", () => {
    const { monitor, closed, clock } = monitorWithClock();
    const observation = (i: number) => ({ ts: clock.now, score: (i % 10) / 10, flagged: i % 3 === 0, action: "allow" as const, lang: "en", model: "m-1", latencyMs: 1, degraded: false, secondStage: false, normalized: `hello there ${i % 7}`, evasion: false, repairedEncoding: false, invisible: false, categories: { abusive: (i % 10) / 10 }, flaggedCategories: { abusive: i % 3 === 0 } });
    // Ten windows of ten messages a second for 30 minutes: 18,000 windows close.
    let sent = 0;
    for (let step = 0; step < 18_000; step++) {
      for (let k = 0; k < 10; k++) monitor.observe(observation(sent++));
      monitor.flush();
      clock.now += 100;
    }
    assert.equal(closed.length, 18_000, "every window closes and is handed on as it closed");
    const kept = monitor.timeline(24 * 3600_000).length;
    // The last minute as it closed (600), 10 s grains up to 15 minutes (84), minutes beyond (15), give or take the buckets' edges.
    assert.ok(kept < 720, `kept ${kept} windows`);
    const all = monitor.status(24 * 3600_000, "24h") as { traffic: { requests: number } };
    assert.equal(all.traffic.requests, sent, "merging loses no message");
    // The recent past is still read at full resolution: the last 30 s hold 300 windows of 10.
    const recent = monitor.status(30_000, "30s") as { traffic: { requests: number } };
    assert.ok(Math.abs(recent.traffic.requests - 3000) <= 10, `last 30 s: ${recent.traffic.requests}`);
  });

  it("folds a long queue in slices when given a time budget, ending with the same windows as one full fold", () => {
    const observation = (i: number) => ({ ts: 1_000_000, score: (i % 10) / 10, flagged: i % 3 === 0, action: i % 3 === 0 ? ("review" as const) : ("allow" as const), lang: "en", model: "m-1", latencyMs: 1, degraded: false, secondStage: i % 5 === 0, normalized: `hello there number ${i}`, evasion: false, repairedEncoding: false, invisible: false, categories: { abusive: (i % 10) / 10 }, flaggedCategories: { abusive: i % 3 === 0 } });
    const sliced = monitorWithClock();
    const whole = monitorWithClock();
    for (let i = 0; i < 95; i++) {
      sliced.monitor.observe(observation(i));
      whole.monitor.observe(observation(i));
    }
    let slices = 0;
    while (sliced.monitor.flush(0)) slices++;
    assert.ok(slices >= 20, `a zero budget folds a few observations per call: ${slices + 1} calls`);
    assert.equal(whole.monitor.flush(), false, "no budget: everything at once");
    assert.deepEqual(sliced.closed.map((w) => [w.n, w.flagged, w.secondStage]), whole.closed.map((w) => [w.n, w.flagged, w.secondStage]));
    assert.equal(sliced.closed.length, 9);
    const traffic = (sliced.monitor.status(3_600_000, "1h") as { traffic: { requests: number; second_stage_rate: number } }).traffic;
    assert.equal(traffic.second_stage_rate, Math.round((19 / 95) * 1e4) / 1e4, "one in five answered by stage 2");
  });
});
