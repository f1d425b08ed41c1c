/** The share of positives in traffic, estimated from calibrated scores without labels (Saerens et al. 2002). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConfig } from "../../src/config.js";
import { BaseRateRebaser } from "../../src/monitor/cbpe.js";
import { estimateBaseRate, MIN_LANGUAGE_MESSAGES, trafficBaseRate } from "../../src/monitor/base-rate-estimate.js";
import { rebased } from "../../src/stats/label-shift.js";
import { Window } from "../../src/monitor/window.js";
import { scoreProfile, type ProfiledScore } from "../../src/model/profile.js";

const BINS = 100;
const centre = (b: number): number => (b + 0.5) / BINS;

/**
 * Traffic whose scores are calibrated where half the messages were positive (every bin
 * equally likely there, so a bin's share of positives is its score), at a base rate of
 * `rate`: a bin holds rate·2s + (1 - rate)·2(1 - s) of every BINS messages.
 */
const trafficAt = (rate: number, n = 100_000): number[] => Array.from({ length: BINS }, (_, b) => (n * (rate * 2 * centre(b) + (1 - rate) * 2 * (1 - centre(b)))) / BINS);

describe("base-rate estimate", () => {
  it("rebases a score by hand: 0.8 where half were positive is 0.5 where a fifth are", () => {
    assert.ok(Math.abs(rebased(0.8, 0.5, 0.2) - 0.5) < 1e-12);
    assert.ok(Math.abs(rebased(0.5, 0.5, 0.1) - 0.1) < 1e-12);
    assert.equal(rebased(0.3, 0.4, 0.4), 0.3);
  });

  it("recovers the base rate of traffic that is calibrated and only its mix changed, where the mean score does not", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.005, max: 0.995, noNaN: true }), (rate) => {
        const counts = trafficAt(rate);
        const estimate = estimateBaseRate([{ counts, validationRate: 0.5 }])!;
        assert.ok(Math.abs(estimate - rate) < 1e-4, `${estimate} for ${rate}`);
      }),
    );
    // The mean score at 5% traffic: 0.05·(2/3) + 0.95·(1/3), far from 0.05.
    const counts = trafficAt(0.05);
    const mean = counts.reduce((a, n, b) => a + n * centre(b), 0) / counts.reduce((a, n) => a + n, 0);
    assert.ok(mean > 0.3);
    assert.equal(estimateBaseRate([{ counts: new Array<number>(BINS).fill(0), validationRate: 0.5 }]), null);
    // Every score in the lowest bin, or in the highest: the likelihood is highest at a share of 0, or of 1.
    const only = (bin: number): number[] => Array.from({ length: BINS }, (_, b) => (b === bin ? 50 : 0));
    assert.equal(estimateBaseRate([{ counts: only(0), validationRate: 0.5 }]), 0);
    assert.equal(estimateBaseRate([{ counts: only(BINS - 1), validationRate: 0.5 }]), 1);
  });

  it("per category in a window: the languages' validation shares weighed by their messages, and each language with enough messages alone", () => {
    const rows: ProfiledScore[] = [];
    // English validation 3 in 4 positive, German 1 in 4 (40 rows of each class at least).
    for (let i = 0; i < 120; i++) rows.push({ category: "abusive", lang: "en", score: 0.9, label: i < 90 ? 1 : 0 }, { category: "abusive", lang: "de", score: 0.1, label: i < 30 ? 1 : 0 });
    const profile = scoreProfile(rows);
    const w = new Window(0);
    const few = MIN_LANGUAGE_MESSAGES - 1;
    trafficAt(0.1, 300).forEach((n, b) => (w.scoresOf("abusive", "en")[b] = n));
    w.scoresOf("abusive", "de")[10] = few;
    const state = Window.fromState(w.state());
    const got = trafficBaseRate(profile, "abusive", state.categoryScores.get("abusive")!)!;
    assert.ok(Math.abs(got.validation - (300 * 0.75 + few * 0.25) / (300 + few)) < 1e-12);
    assert.deepEqual(got.languages.map((l) => l.lang), ["en"], "German has too few messages for an estimate of its own");
    assert.ok(Math.abs(got.languages[0]!.messages - 300) < 1e-9);
    assert.equal(trafficBaseRate(null, "abusive", state.categoryScores.get("abusive")!), null, "no profile, no estimate");
    assert.equal(trafficBaseRate(profile, "spam", new Map()), null);
  });
});

describe("label-free estimates at the stated base rate", () => {
  const rows: ProfiledScore[] = [];
  // English: 90 of 120 validation rows positive; "xx": 10 rows, too few, so the pooled share (92 of 130) stands for it.
  for (let i = 0; i < 120; i++) rows.push({ category: "abusive", lang: "en", score: 0.9, label: i < 90 ? 1 : 0 });
  for (let i = 0; i < 10; i++) rows.push({ category: "abusive", lang: "xx", score: 0.5, label: i < 2 ? 1 : 0 });
  const profile = scoreProfile(rows);
  const policy = parseConfig({ policy: { thresholds: { abusive: { baseRate: 0.1, languages: { xx: { baseRate: 0.2 } } } } } }).policy;

  it("rebases each category where the policy states a base rate, from the language's own validation share or the pooled one", () => {
    const rebaser = BaseRateRebaser.for(profile, policy)!;
    const en = rebaser.rebase({ abusive: 0.6, spam: 0.3 }, "en");
    assert.ok(Math.abs(en.categories.abusive! - rebased(0.6, 90 / 120, 0.1)) < 1e-12);
    assert.equal(en.categories.spam, 0.3, "no base rate stated for spam");
    assert.equal(en.score, Math.max(en.categories.abusive!, 0.3));
    assert.ok(Math.abs(rebaser.rebase({ abusive: 0.6 }, "xx").categories.abusive! - rebased(0.6, 92 / 130, 0.2)) < 1e-12);
  });

  it("is not made without a stated base rate or without a profile", () => {
    assert.equal(BaseRateRebaser.for(profile, parseConfig({}).policy), null);
    assert.equal(BaseRateRebaser.for(null, policy), null);
    assert.equal(BaseRateRebaser.for(profile, undefined), null);
  });
});
