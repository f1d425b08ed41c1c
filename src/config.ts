/**
 * Warden's one configuration, validated once by a schema: unknown keys and bad values
 * are rejected with a message that names the key. Defaults are documented in
 * docs/configuration.md.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { WardenError } from "./errors.js";

const Features = z
  .object({
    bits: z.number().int().min(8).max(26).default(20),
    charMin: z.number().int().min(1).max(8).default(1),
    charMax: z.number().int().min(1).max(8).default(5),
    wordNgrams: z.number().int().min(0).max(2).default(2),
    languageFeatures: z.boolean().default(true),
    evasionFeatures: z.boolean().default(true),
  })
  .strict();

const Ftrl = z
  .object({
    alpha: z.number().positive().default(3),
    beta: z.number().min(0).default(1),
    l1: z.number().min(0).default(0),
    l2: z.number().min(0).default(0),
  })
  .strict();

/**
 * The cascade's second stage: a heavier linear model (its own features, by default a
 * larger hash space and longer character n-grams) that answers only the messages stage 1
 * is unsure of. Optional so that configs without it serialize the same.
 */
const Stage2 = z
  .object({
    /** Overrides of training.features for stage 2. */
    features: Features.partial().default({ bits: 22, charMax: 6 }),
    /** Passes over the data (default: training.epochs). */
    epochs: z.number().int().min(1).max(50).optional(),
    /** Share of validation messages stage 1 hands on: the width of its uncertain band is chosen to send this many. */
    share: z.number().gt(0).max(1).default(0.2),
  })
  .strict();

const Training = z
  .object({
    heads: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).min(1).default(["abusive", "hate", "spam"]),
    epochs: z.number().int().min(1).max(50).default(3),
    seed: z.number().int().default(1),
    validationShare: z.number().gt(0).lt(0.5).default(0.1),
    classWeight: z.enum(["none", "balanced"]).default("balanced"),
    /** "full" undoes obfuscation; "basic" only folds (NFKC, case, invisible characters). */
    normalization: z.enum(["full", "basic"]).default("full"),
    /** Train only on datasets whose licence allows commercial use. */
    commercialOnly: z.boolean().default(false),
    /** Languages the identifier also learns from the Universal Declaration of Human Rights (the data has none of them). */
    extraLanguages: z.array(z.string().regex(/^[a-z]{2,3}$/)).default(["es", "it", "nl"]),
    /** "int8": the artifact's weight tables quantized with a scale per block of 256 (a quarter of the size); calibration and thresholds are fitted on the quantized weights. Optional so that old configs serialize the same. */
    quantize: z.enum(["none", "int8"]).optional(),
    /** Multiplies a dataset's class weights by name (reviewers' labels count more, say); absent: 1. Optional so that old configs serialize the same. */
    datasetWeights: z.record(z.string(), z.number().positive().max(100)).optional(),
    /** The weights averaged over this many snapshots taken evenly through the last epoch (tail averaging); absent: the last weights. Optional so that old configs serialize the same. */
    averageSnapshots: z.number().int().min(2).max(100).optional(),
    features: Features.default(Features.parse({})),
    ftrl: Ftrl.default(Ftrl.parse({})),
    stage2: Stage2.optional(),
  })
  .strict();

const Threshold = z
  .object({
    review: z.number().min(0).max(1).optional(),
    block: z.number().min(0).max(1).optional(),
    /**
     * The share of this deployment's messages that are positive for the category: where
     * `review` or `block` is not set, they are chosen for it from the model's validation
     * score profile (engine/base-rates.ts).
     */
    baseRate: z.number().gt(0).lt(1).optional(),
  })
  .strict();
/** A category's thresholds, and per language thresholds that take their place for that language's messages. */
const CategoryThresholds = Threshold.extend({ languages: z.record(z.string(), Threshold).optional() }).strict();

const Policy = z
  .object({
    /**
     * Per category: a score at or above `review` is flagged for review, at or above
     * `block` is blocked; `languages` sets them for one detected language. Without
     * `review`, the one chosen for `baseRate`, else the model's validated threshold for the
     * text's language applies; without `block`, the one chosen for `baseRate`, else
     * `policy.block`.
     */
    thresholds: z.record(z.string(), CategoryThresholds).default({}),
    block: z.number().min(0).max(1).default(0.9),
  })
  .strict();

const Limits = z
  .object({
    maxTextLength: z.number().int().positive().default(20_000),
    maxBatch: z.number().int().positive().default(256),
    bodyLimitBytes: z.number().int().positive().default(2 * 1024 * 1024),
  })
  .strict();

/** The data contract's soft limits (warnings) and how leakage counts; see docs/configuration.md. */
const Contract = z
  .object({
    maxDuplicateRate: z.number().min(0).max(1).default(0.05),
    maxNearDuplicateRate: z.number().min(0).max(1).default(0.1),
    minClassShare: z.number().min(0).max(0.5).default(0.05),
    leakage: z.enum(["warn", "fail"]).default("warn"),
  })
  .strict();

/** What a candidate must show, against the champion on the same validation rows, to be promoted. */
const Gate = z
  .object({
    /** Largest allowed F1 drop on any dataset (0.01 = one point). */
    f1Tolerance: z.number().min(0).max(1).default(0.01),
    /** A drop within this many standard errors of a dataset's validation F1 is noise, not a regression (0: the tolerance alone). */
    noiseSigmas: z.number().min(0).max(5).default(2),
    /** Largest allowed increase of the mean F1 drop under the attack suite. */
    attackTolerance: z.number().min(0).max(1).default(0.02),
    /** Validation rows attacked with every family (0 turns the attack check off). */
    attackSample: z.number().int().min(0).default(500),
    /** Largest allowed expected calibration error on validation. */
    maxEce: z.number().gt(0).max(1).default(0.1),
    /** Largest allowed p99 of single in-process classify calls. */
    maxP99LatencyMs: z.number().positive().default(10),
  })
  .strict();

/** Serving under load: shedding, deadlines, the fallback and its rules; see docs/configuration.md. */
const Serving = z
  .object({
    /** Classify requests being handled at once; beyond it, 503 at once. */
    maxInFlight: z.number().int().min(1).default(512),
    /** Event-loop delay (ms, the worst of the last 30 ms) beyond which classify and feedback requests get 503 at once. */
    maxEventLoopDelayMs: z.number().min(1).default(25),
    /** Work (ms) one turn of the event loop may do on requests before the rest of the turn's classify and feedback requests get 503: a floor on their wait (docs/benchmarks.md §8 measures the default at 4× overload). */
    maxQueueMs: z.number().min(1).default(12),
    /** Messages the server runs a model over before serving it, at start and on a promotion (server/warmup.ts); 0 serves it cold. */
    warmUpMessages: z.number().int().min(0).max(100_000).default(2000),
    /** Seconds a shed client is told to wait (Retry-After). */
    retryAfterSeconds: z.number().int().min(1).default(1),
    /** The budget of a request without deadline_ms, and the largest one a request may ask for. */
    defaultDeadlineMs: z.number().positive().default(200),
    maxDeadlineMs: z.number().positive().default(2000),
    /** What the fallback answers when no rule matches and the model cannot. */
    fallbackAction: z.enum(["allow", "review"]).default("allow"),
    breaker: z
      .object({
        /** Consecutive failures of the model stage that open the circuit. */
        failures: z.number().int().min(1).default(5),
        /** How long it stays open before one request probes it. */
        cooldownMs: z.number().int().min(10).default(5000),
      })
      .strict()
      .default({ failures: 5, cooldownMs: 5000 }),
    /** Per-deployment rules, applied to the normalized text before the model: allow wins over block. */
    rules: z
      .object({
        allow: z.array(z.string().min(1)).default([]),
        block: z.array(z.string().min(1)).default([]),
        allowPatterns: z.array(z.string().min(1)).default([]),
        blockPatterns: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ allow: [], block: [], allowPatterns: [], blockPatterns: [] }),
  })
  .strict();

const Band = z.object({ warn: z.number().min(0), alert: z.number().min(0) }).strict();

/** Monitoring: windows, alert thresholds, where alerts go, what the prediction log keeps; see docs/monitoring.md. */
const Monitoring = z
  .object({
    windowSize: z.number().int().min(10).default(500),
    windowSeconds: z.number().int().min(1).default(300),
    minMessages: z.number().int().min(1).default(200),
    /** Evaluations in a row over (under) a threshold before an alert fires (resolves). */
    consecutive: z.number().int().min(1).default(2),
    webhookUrl: z.string().url().optional(),
    /** "hash": never keep message text; "review": keep it for messages sent to review or blocked; "all": keep every text. */
    retention: z.enum(["hash", "review", "all"]).default("review"),
    /** Predictions waiting to be written; beyond this they are dropped and counted (serving never waits). */
    logBufferSize: z.number().int().min(1).default(50_000),
    /** How often the prediction log writes a batch: a kill -9 loses at most this much of it. */
    logFlushMs: z.number().int().min(10).max(1000).default(250),
    thresholds: z
      .object({
        scorePsi: Band.optional(),
        languageJs: Band.optional(),
        wordPsi: Band.optional(),
        oovRateChange: Band.optional(),
        evasionRateChange: Band.optional(),
        flaggedRateChange: Band.optional(),
        expectedPrecisionDrop: Band.optional(),
        feedbackPrecisionDrop: Band.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** Which predictions go to the review queue besides flagged ones; see docs/loop.md. */
const Review = z
  .object({
    /** Share of all traffic drawn at random, whatever the model said: the unbiased sample that measures precision and recall. */
    randomShare: z.number().min(0).max(1).default(0.01),
    /** An allowed message whose score is within this distance below its review threshold counts as uncertain… */
    uncertainMargin: z.number().min(0).max(1).default(0.1),
    /** …and this share of those is sent to review (they teach the model where it is least sure). */
    uncertainShare: z.number().min(0).max(1).default(0.2),
  })
  .strict();

/** Closing the loop: what `warden retrain` learns from, what starts it, what it may do; see docs/loop.md. */
const Loop = z
  .object({
    /** The base training data (paths as for `warden train --data`); retraining adds reviewers' labels to it. */
    baseData: z.array(z.string().min(1)).default([]),
    /** How much a reviewer's label weighs against a row of the base data. */
    feedbackWeight: z.number().positive().max(100).default(3),
    /** At most this many labels, newest first. */
    maxFeedbackRows: z.number().int().min(1).default(100_000),
    /** Fewer exported labels than this and a retrain stops before training (nothing new to learn). */
    minFeedbackRows: z.number().int().min(0).default(50),
    /** Retrain on a schedule every this many hours (0: no schedule). */
    everyHours: z.number().min(0).default(0),
    /** Alerts whose firing starts a retrain (names as in GET /v1/alerts). */
    triggerAlerts: z.array(z.string().min(1)).default(["language_js", "score_psi", "word_psi", "oov_rate_change", "expected_precision_drop", "feedback_precision_drop"]),
    /** A retrain with no outcome after this long is taken as dead and no longer blocks the next. */
    timeoutMinutes: z.number().int().min(1).default(120),
    /** Start the candidate as a shadow experiment against the champion when it passes the gate. */
    shadow: z.boolean().default(true),
    /** Promote the challenger when its experiment decides "ship challenger" with every guardrail held (off: a person promotes). */
    autoPromote: z.boolean().default(false),
  })
  .strict();

export const ConfigSchema = z
  .object({
    training: Training.default(Training.parse({})),
    policy: Policy.default(Policy.parse({})),
    limits: Limits.default(Limits.parse({})),
    monitoring: Monitoring.default(Monitoring.parse({})),
    serving: Serving.default(Serving.parse({})),
    contract: Contract.default(Contract.parse({})),
    gate: Gate.default(Gate.parse({})),
    review: Review.default(Review.parse({})),
    loop: Loop.default(Loop.parse({})),
  })
  .strict();

export type WardenConfig = z.infer<typeof ConfigSchema>;
export type TrainingConfig = WardenConfig["training"];
export type PolicyConfig = WardenConfig["policy"];
export type LimitsConfig = WardenConfig["limits"];
export type ContractConfig = WardenConfig["contract"];
export type GateConfig = WardenConfig["gate"];
export type ReviewConfig = WardenConfig["review"];
export type LoopConfig = WardenConfig["loop"];

export function parseConfig(raw: unknown, source = "config"): WardenConfig {
  const result = ConfigSchema.safeParse(raw ?? {});
  if (result.success) {
    const f = result.data.training.features;
    if (f.charMax < f.charMin) {
      throw new WardenError("CONFIG_INVALID", `${source}: training.features.charMax (${f.charMax}) must be >= charMin (${f.charMin}).`);
    }
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const key = issue.path.join(".") || "(root)";
  const unknown = issue.code === "unrecognized_keys" ? ` unknown key(s): ${issue.keys.join(", ")}` : "";
  throw new WardenError("CONFIG_INVALID", `${source}: ${key}:${unknown || " " + issue.message}`);
}

export function loadConfig(path?: string): WardenConfig {
  if (!path) return parseConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new WardenError("CONFIG_INVALID", `cannot read config ${path}: ${(err as Error).message}`);
  }
  return parseConfig(raw, path);
}
