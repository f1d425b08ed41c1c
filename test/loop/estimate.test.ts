/**
 * Must-show 2 of the loop: precision and recall measured on the random review share are
 * unbiased, and their stated 95% intervals hold. Repeated simulations over one fixed
 * population of scored messages: each run draws which messages go to review exactly as
 * the server does (loop/sampling.ts), reviewers label everything queued, and the
 * estimate is compared with the population's true precision and recall. The same labels
 * used naively (every reviewed message, mostly flagged ones) are shown to be biased.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { randomSampleConfusion, sampledQuality, wilson } from "../../src/loop/estimate.js";
import { reviewReason } from "../../src/loop/sampling.js";
import { mulberry32 } from "../../src/model/shuffle.js";
import type { FeedbackCount, ReviewReason } from "../../src/store/types.js";

const THRESHOLD = 0.5;

interface Message {
  readonly lang: string;
  readonly score: number;
  readonly label: 0 | 1;
}

/** 20,000 messages, 8% abusive; an imperfect model whose scores overlap between classes. */
function population(): Message[] {
  const rand = mulberry32(7);
  const out: Message[] = [];
  for (let i = 0; i < 20_000; i++) {
    const label: 0 | 1 = rand() < 0.08 ? 1 : 0;
    const centre = label === 1 ? 0.62 : 0.22;
    const score = Math.min(1, Math.max(0, centre + (rand() + rand() + rand() - 1.5) * 0.35));
    out.push({ lang: i % 3 === 0 ? "tr" : "en", score, label });
  }
  return out;
}

function truth(pop: readonly Message[]): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const m of pop) {
    const flagged = m.score >= THRESHOLD;
    if (flagged && m.label === 1) tp++;
    else if (flagged) fp++;
    else if (m.label === 1) fn++;
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn) };
}

/** One run: sample for review as the server does, label what was queued, count as the store does. */
function reviewRun(pop: readonly Message[], seed: number, randomShare: number): FeedbackCount[] {
  const config = parseConfig({ review: { randomShare } }).review;
  const random = mulberry32(seed);
  const counts = new Map<string, FeedbackCount>();
  for (const m of pop) {
    const action = m.score >= THRESHOLD ? "review" : "allow";
    const reason: ReviewReason | null = reviewReason({ action, lang: m.lang, categories: { abusive: m.score } }, () => THRESHOLD, config, random);
    if (reason === null) continue;
    const key = `${m.lang}|${reason}|${action}|${m.label}`;
    const c = counts.get(key) ?? { lang: m.lang, review: reason, flagged: action !== "allow", label: m.label, n: 0 };
    counts.set(key, { ...c, n: c.n + 1 });
  }
  return [...counts.values()];
}

describe("precision and recall from the random review share", () => {
  const pop = population();
  const real = truth(pop);

  it("are unbiased and their 95% intervals cover the truth in about 95% of 1,000 simulated review runs", () => {
    const runs = 1000;
    let precisionCovered = 0;
    let recallCovered = 0;
    let precisionError = 0;
    let recallError = 0;
    let naiveRecallCovered = 0;
    for (let r = 0; r < runs; r++) {
      const counts = reviewRun(pop, 1000 + r, 0.05);
      const q = sampledQuality(randomSampleConfusion(counts).get("*")!);
      precisionError += q.precision.estimate! - real.precision;
      recallError += q.recall.estimate! - real.recall;
      if (q.precision.low! <= real.precision && real.precision <= q.precision.high!) precisionCovered++;
      if (q.recall.low! <= real.recall && real.recall <= q.recall.high!) recallCovered++;
      // Naive: every label reviewers gave, as if the review queue were a random sample.
      const all = counts.map((c) => ({ ...c, review: "random" as const }));
      const naive = sampledQuality(randomSampleConfusion(all).get("*")!);
      if (naive.recall.low! <= real.recall && real.recall <= naive.recall.high!) naiveRecallCovered++;
    }
    console.log(`# truth: precision ${real.precision.toFixed(3)}, recall ${real.recall.toFixed(3)}; mean error ${(precisionError / runs).toFixed(4)} / ${(recallError / runs).toFixed(4)}; coverage ${precisionCovered / runs} / ${recallCovered / runs}; naive recall coverage ${naiveRecallCovered / runs}`);
    // Nominal 95%; with 1,000 runs the coverage itself varies by about ±0.7 points.
    assert.ok(precisionCovered / runs >= 0.93, `precision interval coverage ${precisionCovered / runs}`);
    assert.ok(recallCovered / runs >= 0.93, `recall interval coverage ${recallCovered / runs}`);
    assert.ok(Math.abs(precisionError / runs) < 0.005, `precision bias ${precisionError / runs}`);
    assert.ok(Math.abs(recallError / runs) < 0.005, `recall bias ${recallError / runs}`);
    // The flagged and uncertain reviews inflate recall: taken naively, they mislead.
    assert.ok(naiveRecallCovered / runs < 0.2, `naive recall coverage ${naiveRecallCovered / runs}`);
  });

  it("per language too, from the same sample", () => {
    const counts = reviewRun(pop, 99, 0.2);
    const byLang = randomSampleConfusion(counts);
    for (const lang of ["en", "tr"]) {
      const m = byLang.get(lang)!;
      const q = sampledQuality(m);
      assert.ok(q.precision.n > 50 && q.recall.n > 50, `${lang}: enough labels`);
      assert.ok(Math.abs(q.precision.estimate! - real.precision) < 0.1);
    }
    const total = byLang.get("*")!;
    assert.equal(total.tp, byLang.get("en")!.tp + byLang.get("tr")!.tp);
  });

  it("sends flagged messages and a share of near-threshold ones to review, and takes the random draw first", () => {
    const config = parseConfig({ review: { randomShare: 0, uncertainMargin: 0.1, uncertainShare: 1 } }).review;
    const answer = (score: number, action: "allow" | "review") => reviewReason({ action, lang: "en", categories: { abusive: score } }, () => THRESHOLD, config, () => 0.5);
    assert.equal(answer(0.7, "review"), "flagged");
    assert.equal(answer(0.45, "allow"), "uncertain");
    assert.equal(answer(0.3, "allow"), null);
    const always = parseConfig({ review: { randomShare: 1 } }).review;
    assert.equal(reviewReason({ action: "block", lang: "en", categories: { abusive: 0.99 } }, () => THRESHOLD, always, () => 0.5), "random");
  });

  it("Wilson intervals: empty, certain and known values", () => {
    assert.deepEqual(wilson(0, 0), { estimate: null, low: null, high: null, n: 0 });
    const all = wilson(20, 20);
    assert.equal(all.high, 1);
    assert.ok(all.low! > 0.8 && all.low! < 0.9);
    // 50 of 100: 0.404 to 0.596 (textbook value).
    const half = wilson(50, 100);
    assert.ok(Math.abs(half.low! - 0.4038) < 1e-3 && Math.abs(half.high! - 0.5962) < 1e-3);
  });
});
