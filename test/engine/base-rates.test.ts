/** Thresholds chosen for a deployment's base rate from the model's validation score profile (policy.thresholds.<category>.baseRate). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConfig, type PolicyConfig } from "../../src/config.js";
import { BLOCK_PRECISION, NEVER, resolveBaseRates, thresholdsAtBaseRate, withoutBaseRates } from "../../src/engine/base-rates.js";
import { Engine } from "../../src/engine/engine.js";
import { scoreProfile, type ProfiledScore } from "../../src/model/profile.js";
import { loadDefaultModel } from "../../src/registry/registry.js";
import { shiftedToBaseRate } from "../../src/stats/label-shift.js";

const policyOf = (thresholds: unknown): PolicyConfig => parseConfig({ policy: { thresholds } }).policy;

describe("thresholds for a base rate", () => {
  it("a hand computation on four bins", () => {
    const counts = { positive: [0, 1, 1, 2], negative: [4, 2, 1, 0] };
    // At 20% positive: flagging from 0.5 up catches 3 of 4 positives and (1 + 1) / (7 + 1) innocent ones, F1 0.545, the best;
    // no threshold is right on 95% of its flags, so nothing blocks.
    assert.deepEqual(thresholdsAtBaseRate(counts, 0.2), { review: 0.5, block: NEVER });
    // At 90% positive: from 0.25 up, F1 0.973; from 0.5 up, precision 0.675 / 0.7 = 0.964 (from 0.25 up, 0.947).
    assert.deepEqual(thresholdsAtBaseRate(counts, 0.9), { review: 0.25, block: 0.5 });
  });

  it("review is the bin edge with the best F1 at the rate, block the lowest edge with 95% precision, counted from the scores themselves", () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 999 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 80 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (rows, rate) => {
        // Scores off the bin edges, so that "in bin k or above" and "at least k / bins" are the same rows.
        const scores = rows.map(([s, y]) => ({ category: "abusive", lang: "en", score: (s + 0.5) / 1000, label: y ? 1 : 0 }));
        const P = scores.filter((s) => s.label).length;
        const N = scores.length - P;
        if (P === 0 || N === 0) return;
        const at = (t: number): ReturnType<typeof shiftedToBaseRate> => {
          const flagged = scores.filter((s) => s.score >= t);
          const pos = flagged.filter((s) => s.label).length;
          return shiftedToBaseRate(pos / P, (flagged.length - pos + 1) / (N + 1), rate);
        };
        const profile = scoreProfile(scores, 10);
        const got = thresholdsAtBaseRate(profile.categories.abusive!.pooled, rate);
        const edges = Array.from({ length: 10 }, (_, k) => k / 10);
        const bestF1 = Math.max(...edges.map((t) => at(t).f1));
        assert.ok(Math.abs(at(got.review).f1 - bestF1) < 1e-12);
        assert.ok(edges.filter((t) => t > got.review).every((t) => at(t).f1 < bestF1), "ties go to the higher threshold");
        const blocking = edges.filter((t) => at(t).precision >= BLOCK_PRECISION);
        assert.equal(got.block, blocking.length > 0 ? Math.min(...blocking) : NEVER);
      }),
    );
  });
});

describe("a policy with base rates", () => {
  // English: enough rows of each class for thresholds of its own, and apart; "xx": too few, and its innocent
  // messages score high, so the pooled thresholds differ from English's and "xx" takes those.
  const rows: ProfiledScore[] = [];
  for (let i = 0; i < 40; i++) rows.push({ category: "abusive", lang: "en", score: 0.5 + i / 100, label: 1 }, { category: "abusive", lang: "en", score: i / 80, label: 0 });
  for (let i = 0; i < 29; i++) rows.push({ category: "abusive", lang: "xx", score: 0.1 + i / 100, label: 1 }, { category: "abusive", lang: "xx", score: 0.5 + i / 100, label: 0 });
  const profile = scoreProfile(rows);
  const en = thresholdsAtBaseRate(profile.categories.abusive!.languages.en!, 0.05);
  const pooled = thresholdsAtBaseRate(profile.categories.abusive!.pooled, 0.05);
  const resolve = (thresholds: unknown): PolicyConfig["thresholds"][string] | undefined => resolveBaseRates(policyOf(thresholds), profile, "m-test").thresholds.abusive;

  it("a category's base rate: thresholds per language with enough rows, the pooled ones for the rest", () => {
    assert.notDeepEqual(en, pooled, "the fixture's languages differ");
    assert.deepEqual(resolve({ abusive: { baseRate: 0.05 } }), { ...pooled, languages: { en } });
  });

  it("a threshold set outright wins over one chosen at the same level, a language's over its category's", () => {
    assert.deepEqual(resolve({ abusive: { baseRate: 0.05, review: 0.7 } }), { review: 0.7, block: pooled.block, languages: { en: { block: en.block } } });
    assert.deepEqual(resolve({ abusive: { review: 0.7, languages: { en: { baseRate: 0.05 } } } }), { review: 0.7, languages: { en } });
    assert.deepEqual(resolve({ abusive: { baseRate: 0.05, languages: { en: { review: 0.3 } } } }), { ...pooled, languages: { en: { review: 0.3, block: en.block } } });
    // A language named with a base rate but too few rows of its own: the pooled counts at its rate.
    assert.deepEqual(resolve({ abusive: { languages: { xx: { baseRate: 0.05 } } } }), { languages: { xx: pooled } });
  });

  it("without a base rate the policy is the same object; the pipeline's judging policy drops base rates", () => {
    const plain = policyOf({ abusive: { review: 0.7 } });
    assert.equal(resolveBaseRates(plain, null, "m-test"), plain);
    assert.deepEqual(withoutBaseRates(policyOf({ abusive: { baseRate: 0.05, review: 0.7, languages: { en: { baseRate: 0.1 } } } })).thresholds, { abusive: { review: 0.7, languages: { en: {} } } });
  });

  it("refuses, naming why, a base rate it cannot serve: no profile, or no rows of the category", () => {
    assert.throws(() => resolveBaseRates(policyOf({ abusive: { baseRate: 0.05 } }), null, "m-old"), /model m-old has no validation score profile/);
    assert.throws(() => resolveBaseRates(policyOf({ hate: { baseRate: 0.05 } }), profile, "m-test"), /profile has no hate rows of both classes/);
    assert.throws(() => parseConfig({ policy: { thresholds: { abusive: { baseRate: 1 } } } }), /baseRate/);
  });

  it("the shipped model with its shipped profile: everyday chat flagged at the validated threshold is allowed at a 5% base rate, an insult still flagged", () => {
    const loaded = loadDefaultModel();
    assert.ok(loaded.profile, "models/default.profile.json ships beside the model");
    const validated = new Engine(loaded, policyOf({}));
    const platform = new Engine(loaded, policyOf({ abusive: { baseRate: 0.05 } }));
    const chat = "how are you?";
    assert.equal(validated.classify(chat).flagged, true);
    assert.equal(platform.classify(chat).flagged, false);
    assert.ok(platform.flagThreshold("abusive", "en") > validated.flagThreshold("abusive", "en"));
    assert.equal(platform.classify("you are a stupid idiot").flagged, true);
  });
});
