/**
 * Monitoring on real data from ../shared, replayed through the default model on a
 * simulated clock: a stable stream raises nothing; a shifted one raises the right alert
 * within 1,000 messages; over 50,000 stable messages false alarms are counted; the
 * label-free estimate tracks the labels.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { ATTACK_FAMILIES, attack } from "../../src/eval/attacks.js";
import type { AlertState } from "../../src/monitor/alerts.js";
import { DEFAULT_MONITOR, Monitor } from "../../src/monitor/monitor.js";
import { observe, replay } from "../../src/monitor/replay.js";
import { loadDefaultModel } from "../../src/registry/registry.js";
import { SHARED_DATA, sharedDataSkip } from "../helpers/shared.js";

const skip = sharedDataSkip();

interface Row {
  text: string;
  label: 0 | 1;
  lang: string;
  source: string;
}

describe("monitoring replays on the shared data", { skip }, () => {
  const loaded = loadDefaultModel();
  const engine = new Engine(loaded, parseConfig({}, "test").policy);
  const rows: Row[] = skip
    ? []
    : readdirSync(SHARED_DATA)
        .sort()
        .filter((d) => existsSync(join(SHARED_DATA, d, "test.jsonl")))
        .flatMap((d) => readFileSync(join(SHARED_DATA, d, "test.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Row));
  // The "usual" traffic: the Latin-script languages; the others arrive as a shift.
  const usual = new Set(["en", "de", "fr", "pt", "id", "tr", "pl", "da", "hi-en", "ur"]);
  const mix = rows.filter((r) => usual.has(r.lang));
  let seed = 7;
  const random = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const draw = <T>(pool: readonly T[], n: number): T[] => Array.from({ length: n }, () => pool[Math.floor(random() * pool.length)]!);
  const texts = (pool: readonly Row[], n: number): string[] => draw(pool, n).map((r) => r.text);

  /** Pin a reference on 500 usual messages, then replay `stream`; the alerts that fired, with the message count at which they did. */
  function run(stream: readonly string[]): { fired: Array<AlertState & { after: number }>; monitor: Monitor } {
    const clock = { now: 0, stepMs: 10 };
    const fired: Array<AlertState & { after: number }> = [];
    let start = 0;
    const monitor = new Monitor(() => ({ lexicon: loaded.model.lexicon, profile: loaded.profile ?? null }), DEFAULT_MONITOR, null, (changes) => fired.push(...changes.filter((c) => c.state === "firing").map((c) => ({ ...c, after: (clock.now - start) / clock.stepMs }))), () => clock.now);
    replay(monitor, engine, texts(mix, 500), clock);
    monitor.pinReference();
    start = clock.now;
    replay(monitor, engine, stream, clock);
    return { fired, monitor };
  }

  it("raises no alert on 1,500 more messages of the same mix", () => {
    assert.deepEqual(run(texts(mix, 1500)).fired.map((a) => a.name), []);
  });

  const shifts: Array<[string, () => string[], string]> = [
    ["new languages arrive (Arabic, Chinese, Greek, Korean, Russian, Vietnamese)", () => texts(rows.filter((r) => !usual.has(r.lang)), 1500), "language_js"],
    ["an obfuscation campaign (half the messages disguised)", () => texts(mix, 1500).map((t, i) => (i % 2 ? attack(t, ATTACK_FAMILIES.find((f) => f.name === ["leet", "homoglyph", "spaced", "dotted", "masked"][i % 5])!) : t)), "evasion_rate_change"],
    ["the flagged rate jumps (only abusive messages)", () => texts(mix.filter((r) => r.label === 1), 1500), "flagged_rate_change"],
  ];
  for (const [what, stream, alert] of shifts) {
    it(`raises ${alert} within 1,000 messages when ${what}`, () => {
      const { fired } = run(stream());
      const hit = fired.find((a) => a.name === alert);
      console.log(`${what}: ${fired.map((a) => `${a.name} after ${a.after}`).join(", ")}`);
      assert.ok(hit, `fired: ${fired.map((a) => a.name).join(", ") || "nothing"}`);
      assert.ok(hit.after <= 1000, `after ${hit.after} messages`);
    });
  }

  it("counts the false alarms of a long stable replay (50,000 messages)", () => {
    const { fired, monitor } = run(texts(mix, 50_000));
    console.log(`50,000 stable messages: ${monitor.windowsJudged} windows judged, ${fired.length} false alarms`);
    assert.equal(fired.length, 0, fired.map((a) => a.message).join("; "));
  });

  it("estimates the share of abusive traffic where abuse is rare, closer than the mean score, without labels", () => {
    const clock = { now: 0, stepMs: 10 };
    const monitor = new Monitor(() => ({ lexicon: loaded.model.lexicon, profile: loaded.profile ?? null }), DEFAULT_MONITOR, null, () => {}, () => clock.now);
    const abusive = mix.filter((r) => !["sms-spam", "youtube-spam", "stormfront-hate", "tweeteval-hate"].includes(r.source));
    // 5% abusive: the mix of a platform, not of datasets collected where abuse was expected.
    const stream = [...draw(abusive.filter((r) => r.label === 1), 500), ...draw(abusive.filter((r) => r.label === 0), 9_500)];
    let scores = 0;
    for (const r of stream) {
      clock.now += clock.stepMs;
      const o = observe(engine, r.text, clock.now);
      scores += o.categories.abusive!;
      monitor.observe(o);
    }
    const q = (monitor.status(86_400_000, "1d").quality as { by_category: Record<string, { estimated_base_rate: number; validation_base_rate: number; base_rate_by_language: Record<string, { estimated_base_rate: number }> }> }).by_category.abusive!;
    const meanScore = scores / stream.length;
    console.log(`5% abusive traffic: estimated ${q.estimated_base_rate}, mean score ${meanScore.toFixed(3)}, validation ${q.validation_base_rate}; by language ${JSON.stringify(q.base_rate_by_language)}`);
    assert.ok(Math.abs(q.estimated_base_rate - 0.05) < Math.abs(meanScore - 0.05), `estimated ${q.estimated_base_rate}, mean score ${meanScore}`);
    assert.ok(q.validation_base_rate > 0.3, "the validation data is far more abusive than this traffic");
    assert.ok(Object.keys(q.base_rate_by_language).includes("en"));
  });

  it("on such traffic, estimates the flags' precision near the labels' once the policy states the base rate, where the scores alone overstate it", () => {
    const policy = parseConfig({ policy: { thresholds: { abusive: { baseRate: 0.05 } } } }).policy;
    const platform = new Engine(loaded, policy);
    const clock = { now: 0, stepMs: 10 };
    const served = (withPolicy: boolean) => () => ({ lexicon: loaded.model.lexicon, profile: loaded.profile ?? null, ...(withPolicy ? { policy } : {}) });
    const [stated, unstated] = [new Monitor(served(true), DEFAULT_MONITOR, null, () => {}, () => clock.now), new Monitor(served(false), DEFAULT_MONITOR, null, () => {}, () => clock.now)];
    const abusive = mix.filter((r) => !["sms-spam", "youtube-spam", "stormfront-hate", "tweeteval-hate"].includes(r.source));
    const stream = [...draw(abusive.filter((r) => r.label === 1), 1_000), ...draw(abusive.filter((r) => r.label === 0), 19_000)];
    for (const [i, r] of stream.entries()) {
      clock.now += clock.stepMs;
      const o = observe(platform, r.text, clock.now);
      for (const monitor of [stated, unstated]) {
        monitor.observe(o);
        monitor.observeFeedback(`p-${i}`, { label: r.label, flagged: o.flaggedCategories.abusive === true, lang: o.lang, model: o.model, category: "abusive" });
        monitor.flush();
      }
    }
    const [q, raw] = [stated, unstated].map((m) => (m.status(86_400_000, "1d").quality as { by_category: Record<string, { precision: number; estimated_precision: number }> }).by_category.abusive!);
    console.log(`abusive at 5%: precision ${q!.precision}, estimated ${q!.estimated_precision} with the base rate stated, ${raw!.estimated_precision} without`);
    assert.ok(Math.abs(q!.estimated_precision - q!.precision) <= 0.1, `estimated ${q!.estimated_precision} against ${q!.precision}`);
    assert.ok(raw!.estimated_precision - raw!.precision > 0.2, "the scores alone overstate it");
  });

  it("keeps the label-free estimate within 5 points of the labels on a stable stream", () => {
    const clock = { now: 0, stepMs: 10 };
    const monitor = new Monitor(() => ({ lexicon: loaded.model.lexicon, profile: loaded.profile ?? null }), DEFAULT_MONITOR, null, () => {}, () => clock.now);
    const abusive = mix.filter((r) => !["sms-spam", "youtube-spam", "stormfront-hate", "tweeteval-hate"].includes(r.source));
    for (const [i, r] of draw(abusive, 20_000).entries()) {
      clock.now += clock.stepMs;
      const o = observe(engine, r.text, clock.now);
      monitor.observe(o);
      monitor.observeFeedback(`p-${i}`, { label: r.label, flagged: o.flaggedCategories.abusive === true, lang: o.lang, model: o.model, category: "abusive" });
      monitor.flush();
    }
    const q = (monitor.status(86_400_000, "1d").quality as { by_category: Record<string, { precision: number; recall: number; estimated_precision: number; estimated_recall: number }> }).by_category.abusive!;
    console.log(`abusive, 20,000 labelled messages: precision ${q.precision} (estimated ${q.estimated_precision}), recall ${q.recall} (estimated ${q.estimated_recall})`);
    assert.ok(Math.abs(q.precision - q.estimated_precision) <= 0.05, `precision ${q.precision} vs ${q.estimated_precision}`);
    assert.ok(Math.abs(q.recall - q.estimated_recall) <= 0.05, `recall ${q.recall} vs ${q.estimated_recall}`);
  });
});
