/**
 * In-process measurements, no I/O: model load, the classify path stage by stage, and
 * per-message classify latency with and without the explanation.
 *
 * The stage breakdown calls the same functions, with the same arguments, as
 * Engine.classify (src/engine/engine.ts); keep it in step when that path changes.
 */
import { statSync } from "node:fs";
import type { PolicyConfig } from "../src/config.js";
import { Engine, STAGE_SECOND, type ClassifyOptions } from "../src/engine/engine.js";
import { Policy } from "../src/engine/policy.js";
import { FeatureExtractor, SparseVector } from "../src/features/extract.js";
import { languageNamespace } from "../src/model/bundle.js";
import { DEFAULT_MODEL_PATH, loadDefaultModel } from "../src/registry/registry.js";
import { evasionFlags, normalize, normalizeText, type NormalizedText } from "../src/text/normalize.js";
import { mulberry32 } from "../src/model/shuffle.js";
import { distribution, median, nowNs, type Distribution } from "./stats.js";

export interface ModelLoadResult {
  readonly path: string;
  readonly bytes: number;
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly loaded: ReturnType<typeof loadDefaultModel>;
}

/** loadDefaultModel (read, verify, decode) `runs` times; the last load is returned for use. */
export function measureModelLoad(runs = 5): ModelLoadResult {
  const runsMs: number[] = [];
  let loaded: ReturnType<typeof loadDefaultModel> | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = nowNs();
    loaded = loadDefaultModel();
    runsMs.push((nowNs() - t0) / 1e6);
  }
  return { path: DEFAULT_MODEL_PATH, bytes: statSync(DEFAULT_MODEL_PATH).size, runsMs, medianMs: median(runsMs), loaded: loaded! };
}

export interface StageTime {
  readonly stage: string;
  /** Wall time: median over passes of the pass's total, divided by the message count. */
  readonly usPerMessage: number;
  /** Process CPU time (all threads, so GC helpers too), same median: robust to a busy machine. */
  readonly cpuUsPerMessage: number;
}

export interface WorstCase {
  readonly name: string;
  readonly chars: number;
  /** Median of 3 calls, ms. */
  readonly normalizeMs: number;
  readonly classifyMs: number;
}

/**
 * Disguises an attacker can pile into one message, each repeated to `length` characters:
 * the normalizer's work must stay linear in the text, whatever the text.
 */
const WORST_CASES: ReadonlyArray<[name: string, unit: string]> = [
  ["one leet token (1d10t1d10t…)", "1d10t"],
  ["one masked token (f*ckf*ck…)", "f*ck"],
  ["leet words (1d10t 1d10t …)", "1d10t "],
  ["masked words (st*p*d st*p*d …)", "st*p*d "],
  ["spaced letters (i d i o t …)", "i d i o t "],
  ["one run of letters (youareanidiot…)", "youareanidiot"],
  ["stretched letters (stuuuuupid …)", "stuuuuupid "],
  ["one token of stretched letters (stuuupiiid…)", "stuuupiiid"],
  ["one token of letter runs (aaabbbaaabbb…)", "aaabbb"],
  ["look-alike letters (Cyrillic і, о)", "\u0456d\u0456\u043et "],
  ["spaced Hangul syllables (시 발 시 발 …)", "시 발 "],
];

/** `unit` repeated to exactly `length` UTF-16 units. */
function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Wall time of one call, ms. */
function callMs(f: () => void): number {
  const t0 = nowNs();
  f();
  return (nowNs() - t0) / 1e6;
}

function measureWorstCases(engine: Engine, length: number): WorstCase[] {
  const model = engine.model;
  const medianMs = (f: () => void): number => median([callMs(f), callMs(f), callMs(f)]);
  return WORST_CASES.map(([name, unit]) => {
    const text = repeatTo(unit, length);
    return { name, chars: text.length, normalizeMs: medianMs(() => normalizeText(text, model.lexicon, model.normalization)), classifyMs: medianMs(() => engine.classify(text)) };
  });
}

/** The random search for inputs whose normalization grows faster than their length. */
export interface GrowthSearch {
  readonly inputs: number;
  readonly shortChars: number;
  readonly longChars: number;
  /** The largest ratio of long to short time over the inputs that took 5 ms or more at longChars (linear: longChars / shortChars). */
  readonly maxRatio: number;
  /** The inputs slowest at longChars, slowest first. */
  readonly slowest: ReadonlyArray<{ readonly unit: string; readonly longMs: number; readonly ratio: number }>;
}

/** Characters the growth search builds its units from: letters of several scripts, leet digits, masks, separators, marks, invisible and broken characters. */
const GROWTH_ALPHABET = Array.from("abeiostkxAI1340@$!|*#%.-_/ '\u200b\u0301\ufe0f😀аоеідαον시발ㅋ傻ك\u0640ğüÃ©âｆᴀệ\u0915\u094d");

/**
 * Random short units of two or three symbols of GROWTH_ALPHABET, each repeated to
 * `shortChars` and to `longChars`: a pass whose cost grows with the square of some run
 * shows as a ratio far above longChars / shortChars. (The last quadratic paths were found
 * this way: one token of letter runs, spaced Hangul syllables.)
 */
function searchGrowth(engine: Engine, inputs = 400, shortChars = 2000, longChars = 8000): GrowthSearch {
  const { lexicon, normalization } = engine.model;
  const random = mulberry32(0x9e0f);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const timeMs = (text: string): number => callMs(() => normalizeText(text, lexicon, normalization));
  const results: Array<{ unit: string; longMs: number; ratio: number }> = [];
  for (let i = 0; i < inputs; i++) {
    const symbols = [pick(GROWTH_ALPHABET), pick(GROWTH_ALPHABET), pick(GROWTH_ALPHABET)];
    const unit = Array.from({ length: 2 + Math.floor(random() * 6) }, () => pick(symbols)).join("");
    // the fastest of three calls at each length: a first call that compiles a new path, or
    // a garbage collection, must neither hide a fast-growing input nor fake one
    const fastestMs = (text: string): number => Math.min(timeMs(text), timeMs(text), timeMs(text));
    const shortMs = fastestMs(repeatTo(unit, shortChars));
    const longMs = fastestMs(repeatTo(unit, longChars));
    results.push({ unit, longMs, ratio: longMs / Math.max(shortMs, 0.05) });
  }
  return {
    inputs,
    shortChars,
    longChars,
    // a call under 5 ms is too short to time: one pause would make it a large ratio
    maxRatio: Math.max(...results.filter((r) => r.longMs >= 5).map((r) => r.ratio)),
    slowest: results.sort((a, b) => b.longMs - a.longMs).slice(0, 3),
  };
}

export interface StageBreakdown {
  readonly passes: number;
  readonly messages: number;
  /** normalizeText: what Engine.classify runs. */
  readonly normalize: StageTime;
  /** normalize with the offset map back to the input: what an explanation needs. */
  readonly normalizeWithOffsets: StageTime;
  readonly langid: StageTime;
  readonly features: StageTime;
  /** Feature extraction followed by the linear model's calibrated predict. */
  readonly featuresPredict: StageTime;
  /** Policy decision and the result's category map (4-decimal rounding). */
  readonly policy: StageTime;
  /** All the stages above called back to back per message, as Engine.classify does. */
  readonly pipeline: StageTime;
  readonly classify: StageTime;
  readonly utf8Bytes: number;
  readonly chars: number;
  readonly normalizeMBps: number;
  readonly normalizeMsgsPerSec: number;
  readonly classifierBits: number;
  readonly heads: number;
  readonly langidBits: number;
  readonly langidLabels: number;
  /** Messages where the mirrored stages reach the same language as Engine.classify. */
  readonly mirrorAgrees: number;
  /** Inputs built to be slow, at the longest text the API accepts. */
  readonly worstCase: WorstCase[];
  readonly growth: GrowthSearch;
  readonly sink: number;
}

/**
 * Each stage alone over the whole sample, `passes` times round-robin (so drift on a
 * shared machine hits every stage alike); the median pass counts.
 */
export function measureStages(engine: Engine, policyConfig: PolicyConfig, texts: readonly string[], utf8Bytes: number, maxTextLength: number, passes = 5): StageBreakdown {
  const model = engine.model;
  const features = model.classifier.features;
  const fx = new FeatureExtractor(features);
  const x = new SparseVector();
  // Inputs of the later stages, computed exactly as Engine.classify computes them.
  const normed: NormalizedText[] = texts.map((t) => normalizeText(t, model.lexicon, model.normalization));
  const normTexts = normed.map((n) => n.text);
  const langs = normTexts.map((t) => model.language.identify(t).lang);
  const namespaces = langs.map((l) => (features.languageFeatures ? languageNamespace(l) : 0));
  const evasions = normed.map((n) => (features.evasionFeatures ? evasionFlags(n.signals) : 0));
  let mirrorAgrees = 0;
  texts.forEach((t, i) => {
    if (engine.classify(t).lang === langs[i]) mirrorAgrees++;
  });

  let sink = 0;
  const heads = model.classifier.heads;
  const probs = new Float64Array(heads.length);
  // The policy stage's input: each message's calibrated probabilities.
  const allProbs = normTexts.map((t, i) => {
    fx.extract(t, x, namespaces[i], evasions[i]);
    model.classifier.predict(x, langs[i]!, probs);
    return Float64Array.from(probs);
  });
  const policy = new Policy(model.classifier, policyConfig);
  const stages: Array<{ name: string; run: () => void; totals: number[]; cpu: number[] }> = [
    {
      name: "normalize",
      run: () => {
        for (const t of texts) sink += normalizeText(t, model.lexicon, model.normalization).text.length;
      },
      totals: [],
      cpu: [],
    },
    {
      name: "langid",
      run: () => {
        for (const t of normTexts) sink += model.language.identify(t).confidence;
      },
      totals: [],
      cpu: [],
    },
    {
      name: "features",
      run: () => {
        for (let i = 0; i < normTexts.length; i++) {
          fx.extract(normTexts[i]!, x, namespaces[i], evasions[i]);
          sink += x.length;
        }
      },
      totals: [],
      cpu: [],
    },
    {
      name: "features + predict",
      run: () => {
        for (let i = 0; i < normTexts.length; i++) {
          fx.extract(normTexts[i]!, x, namespaces[i], evasions[i]);
          model.classifier.predict(x, langs[i]!, probs);
          sink += probs[0]!;
        }
      },
      totals: [],
      cpu: [],
    },
    {
      name: "policy + result",
      run: () => {
        for (let i = 0; i < allProbs.length; i++) {
          const p = allProbs[i]!;
          const decision = policy.decide(p, langs[i]!);
          const categories: Record<string, number> = {};
          heads.forEach((h, k) => (categories[h] = Math.round(p[k]! * 1e4) / 1e4));
          sink += decision.score + categories[heads[0]!]!;
        }
      },
      totals: [],
      cpu: [],
    },
    {
      name: "stages back to back",
      run: () => {
        for (const t of texts) {
          const n = normalizeText(t, model.lexicon, model.normalization);
          const lang = model.language.identify(n.text).lang;
          fx.extract(n.text, x, features.languageFeatures ? languageNamespace(lang) : 0, features.evasionFeatures ? evasionFlags(n.signals) : 0);
          model.classifier.predict(x, lang, probs);
          const decision = policy.decide(probs, lang);
          const categories: Record<string, number> = {};
          heads.forEach((h, k) => (categories[h] = Math.round(probs[k]! * 1e4) / 1e4));
          sink += decision.score + categories[heads[0]!]!;
        }
      },
      totals: [],
      cpu: [],
    },
    {
      name: "classify",
      run: () => {
        // Stage 1 alone, as the rows above mirror it; the cascade's cost is in measureLatency.
        for (const t of texts) sink += engine.classify(t, FIRST_STAGE).score;
      },
      totals: [],
      cpu: [],
    },
    {
      name: "normalize with offsets",
      run: () => {
        for (const t of texts) sink += normalize(t, model.lexicon, model.normalization).starts.length;
      },
      totals: [],
      cpu: [],
    },
  ];
  for (const s of stages) s.run(); // warm-up pass, not counted
  for (let p = 0; p < passes; p++) {
    for (const s of stages) {
      const c0 = process.cpuUsage();
      const t0 = nowNs();
      s.run();
      s.totals.push((nowNs() - t0) / 1e3);
      const c = process.cpuUsage(c0);
      s.cpu.push(c.user + c.system);
    }
  }
  const n = texts.length;
  const time = (i: number): StageTime => ({ stage: stages[i]!.name, usPerMessage: median(stages[i]!.totals) / n, cpuUsPerMessage: median(stages[i]!.cpu) / n });
  const norm = time(0);
  const normSeconds = (norm.usPerMessage * n) / 1e6;
  return {
    passes,
    messages: n,
    normalize: norm,
    normalizeWithOffsets: time(7),
    langid: time(1),
    features: time(2),
    featuresPredict: time(3),
    policy: time(4),
    pipeline: time(5),
    classify: time(6),
    utf8Bytes,
    chars: texts.reduce((a, t) => a + t.length, 0),
    normalizeMBps: utf8Bytes / 1e6 / normSeconds,
    normalizeMsgsPerSec: n / normSeconds,
    classifierBits: features.bits,
    heads: heads.length,
    langidBits: model.language.features.bits,
    langidLabels: model.language.labels.length,
    mirrorAgrees,
    worstCase: measureWorstCases(engine, maxTextLength),
    growth: searchGrowth(engine),
    sink,
  };
}

const FIRST_STAGE: ClassifyOptions = { stages: "first" };

export interface LatencyResult {
  readonly plain: Distribution;
  readonly explain: Distribution;
  /** Process CPU time per call, over the same passes. */
  readonly plainCpuUs: number;
  readonly explainCpuUs: number;
  /** With a second stage: each stage alone on every message, and the share the cascade hands on. */
  readonly stages?: { readonly first: Distribution; readonly second: Distribution; readonly firstCpuUs: number; readonly secondCpuUs: number; readonly secondShare: number };
  readonly passes: number;
  readonly warmup: number;
}

/**
 * Per-message wall time of Engine.classify, without and with {explain: true} (and, with a
 * second stage, stage 1 alone and stage 2 alone): a warm-up of each, then `passes`
 * passes over the sample, each call kind in turn.
 */
export function measureLatency(engine: Engine, texts: readonly string[], passes = 2): LatencyResult {
  const kinds: ClassifyOptions[] = [{}, { explain: true }, ...(engine.cascades ? [{ stages: "first" } as const, { stages: "second" } as const] : [])];
  const warmup = Math.min(texts.length, 3000);
  for (let i = 0; i < warmup; i++) for (const opts of kinds) engine.classify(texts[i]!, opts);
  const n = texts.length;
  const wall = kinds.map(() => new Float64Array(n * passes));
  const cpu = kinds.map(() => 0);
  let handedOn = 0;
  for (let p = 0; p < passes; p++) {
    kinds.forEach((opts, k) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const t0 = nowNs();
        const r = engine.classify(texts[i]!, opts);
        wall[k]![p * n + i] = (nowNs() - t0) / 1e3;
        if (k === 0 && r.stage === STAGE_SECOND) handedOn++;
      }
      const c = process.cpuUsage(c0);
      cpu[k]! += (c.user + c.system) / (n * passes);
    });
  }
  const [plain, explain, first, second] = wall.map((w) => distribution(w));
  return {
    plain: plain!,
    explain: explain!,
    plainCpuUs: cpu[0]!,
    explainCpuUs: cpu[1]!,
    ...(first && second ? { stages: { first, second, firstCpuUs: cpu[2]!, secondCpuUs: cpu[3]!, secondShare: handedOn / (n * passes) } } : {}),
    passes,
    warmup,
  };
}
