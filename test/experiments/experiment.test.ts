import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Experiment } from "../../src/experiments/experiment.js";

const spec = { name: "exp", champion: "m-old", challenger: "m-new", startedAt: 0 };
const answer = (flagged: boolean, latencyMs = 1) => ({ flagged, action: flagged ? ("review" as const) : ("allow" as const), latencyMs, degraded: false });

/** Seeded Bernoulli draws, so the test is the same every run. */
function draws(seed: number): () => number {
  let a = seed;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}

describe("an experiment", () => {
  it("answers with the user's sticky arm in ab mode, and only with the champion once stopped", () => {
    const e = new Experiment({ ...spec, mode: "ab", traffic: 0.5 });
    const arms = Array.from({ length: 1000 }, (_, i) => e.answeringArm(`user-${i}`));
    assert.ok(arms.includes("challenger") && arms.includes("champion"));
    assert.deepEqual(Array.from({ length: 1000 }, (_, i) => e.answeringArm(`user-${i}`)), arms);
    e.stop("by hand");
    assert.ok(Array.from({ length: 1000 }, (_, i) => e.answeringArm(`user-${i}`)).every((a) => a === "champion"));
  });

  it("never lets the challenger answer in shadow mode, and measures how often the arms disagree", () => {
    const e = new Experiment({ ...spec, mode: "shadow", traffic: 1 });
    for (let i = 0; i < 400; i++) {
      const id = `r${i}`;
      assert.equal(e.answeringArm(id), "champion");
      assert.equal(e.shadows(id), true);
      e.record("champion", id, answer(i % 4 === 0));
      e.recordShadow(id, answer(i % 2 === 0));
    }
    const status = e.status() as { arms: Array<{ disagreement: number | null; requests: number }> };
    assert.equal(status.arms[1]!.disagreement, 0.25);
    assert.equal(status.arms[0]!.requests, 400);
  });

  it("stops itself when a slow challenger breaks the latency guardrail, naming it", () => {
    const e = new Experiment({ ...spec, mode: "ab", traffic: 0.5 });
    for (let i = 0; i < 300; i++) {
      e.record("champion", `c${i}`, answer(false, 2));
      e.record("challenger", `x${i}`, answer(false, 120));
    }
    assert.equal(e.state, "stopped");
    assert.match(e.verdict().decision, /^stopped: p99 latency/);
    assert.equal(e.answeringArm("anyone"), "champion");
  });

  it("stops on errors too, but not before the challenger has answered enough", () => {
    const e = new Experiment({ ...spec, mode: "ab", traffic: 0.5 });
    for (let i = 0; i < 150; i++) e.recordError("challenger", 1);
    assert.equal(e.state, "running");
    for (let i = 0; i < 100; i++) e.recordError("challenger", 1);
    assert.match(String(e.stoppedBy), /^error rate/);
  });

  it("ships a challenger whose feedback precision is truly higher, and keeps a champion against a worse one", () => {
    for (const [lift, want] of [[0.08, "ship challenger"], [-0.08, "keep champion"]] as const) {
      const e = new Experiment({ ...spec, mode: "ab", traffic: 0.5 });
      const random = draws(7);
      for (let i = 0; i < 8000; i++) {
        const arm = e.answeringArm(`user-${i}`);
        const id = `id-${i}`;
        e.record(arm, id, answer(true));
        const precision = arm === "challenger" ? 0.8 + lift : 0.8;
        e.recordFeedback(id, random() < precision ? 1 : 0);
      }
      const v = e.verdict();
      assert.equal(v.decision, want, v.summary);
      assert.equal(v.srm?.mismatch, false);
    }
  });

  it("refuses to conclude while the split is off", () => {
    const e = new Experiment({ ...spec, mode: "ab", traffic: 0.5 });
    const random = draws(3);
    for (let i = 0; i < 6000; i++) {
      const arm = i % 3 === 0 ? "challenger" : "champion"; // a third, not half
      e.record(arm, `id-${i}`, answer(true));
      e.recordFeedback(`id-${i}`, random() < (arm === "challenger" ? 0.95 : 0.7) ? 1 : 0);
    }
    const v = e.verdict();
    assert.equal(v.srm?.mismatch, true);
    assert.equal(v.decision, "continue");
    assert.match(v.summary, /split is off/);
  });

  it("judges both arms of a shadow experiment on the same labelled messages, whenever the label comes", () => {
    const e = new Experiment({ ...spec, mode: "shadow", traffic: 1 });
    // a: labelled after both verdicts; b: labelled before the challenger's copy came back;
    // c: the challenger's copy never came (skipped under load).
    for (const id of ["a", "b", "c"]) e.record("champion", id, answer(true));
    e.recordShadow("a", answer(false));
    e.recordFeedback("a", 1);
    e.recordFeedback("b", 1);
    e.recordFeedback("c", 0);
    const counts = (arm: "champion" | "challenger") => {
      const { tp, fp, fn, tn } = e.arms[arm];
      return { tp, fp, fn, tn };
    };
    assert.deepEqual(counts("champion"), { tp: 1, fp: 0, fn: 0, tn: 0 });
    assert.deepEqual(counts("challenger"), { tp: 0, fp: 0, fn: 1, tn: 0 });
    e.recordShadow("b", answer(true));
    assert.deepEqual(counts("champion"), { tp: 2, fp: 0, fn: 0, tn: 0 });
    assert.deepEqual(counts("challenger"), { tp: 1, fp: 0, fn: 1, tn: 0 });
  });

  it("counts a corrected label once, as its latest value", () => {
    for (const mode of ["ab", "shadow"] as const) {
      const e = new Experiment({ ...spec, mode, traffic: 1 });
      e.record("champion", "m", answer(true));
      if (mode === "shadow") e.recordShadow("m", answer(false));
      e.recordFeedback("m", 0);
      e.recordFeedback("m", 1);
      const { tp, fp, fn, tn } = e.arms.champion;
      assert.deepEqual({ tp, fp, fn, tn }, { tp: 1, fp: 0, fn: 0, tn: 0 }, mode);
      if (mode === "shadow") assert.equal(e.arms.challenger.fn, 1);
    }
  });

  it("attributes feedback only to predictions it saw", () => {
    const e = new Experiment({ ...spec, mode: "ab", traffic: 0.5 });
    e.record("champion", "known", answer(true));
    assert.equal(e.recordFeedback("known", 1), true);
    assert.equal(e.recordFeedback("unknown", 1), false);
    assert.equal(e.arms.champion.tp, 1);
  });
});
