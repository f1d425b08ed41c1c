/**
 * The one classify path, shared by the CLI, the server, the worker and the library:
 * normalize → features → model → calibrated scores → policy → action (+ explanation).
 *
 * Synchronous and allocation-light: scratch vectors are reused between calls, so an
 * Engine is not shared across threads (each worker has its own).
 */
import type { PolicyConfig } from "../config.js";
import { FeatureExtractor, SparseVector } from "../features/extract.js";
import { languageNamespace, type WardenModel } from "../model/bundle.js";
import type { LinearModel } from "../model/linear.js";
import { evasionFlags, normalize } from "../text/normalize.js";
import { Attributor, type Span } from "./explain.js";
import { Policy, type Action } from "./policy.js";
import { reasonFor } from "./reason.js";

export interface Classification {
  score: number;
  flagged: boolean;
  action: Action;
  categories: Record<string, number>;
  lang: string;
  model: string;
  stage: string;
  degraded: boolean;
  explanation?: Span[];
  /** With an explanation: one plain-language sentence saying why. */
  reason?: string;
  /** With `observe`: what monitoring needs (never part of an API answer). */
  observed?: Observed;
}

export interface Observed {
  /** The normalized text. */
  readonly normalized: string;
  /** Whether the text hid its words (confusables, leet, split or stretched letters). */
  readonly evasion: boolean;
  readonly repairedEncoding: boolean;
  readonly invisible: boolean;
  /** Per category: whether it reached its review threshold for this language. */
  readonly flaggedCategories: Record<string, boolean>;
}

export interface ClassifyOptions {
  /** Attach the top contributing spans of the input (costs a second feature pass): always, or only when flagged. */
  readonly explain?: boolean | "flagged";
  /** Attach what monitoring needs (`observed`). */
  readonly observe?: boolean;
}

export interface LoadedModel {
  readonly version: string;
  readonly model: WardenModel;
}

const STAGE_LINEAR = "linear";

/** Round to 4 decimals: enough for thresholds, keeps JSON small and stable. */
function round4(p: number): number {
  return Math.round(p * 1e4) / 1e4;
}

export class Engine {
  readonly version: string;
  readonly model: WardenModel;
  private readonly classifier: LinearModel;
  private readonly extractor: FeatureExtractor;
  private readonly policy: Policy;
  private readonly x = new SparseVector();
  private readonly probs: Float64Array;
  private readonly attributor: Attributor;

  constructor(loaded: LoadedModel, policy: PolicyConfig) {
    this.version = loaded.version;
    this.model = loaded.model;
    this.classifier = loaded.model.classifier;
    this.extractor = new FeatureExtractor(this.classifier.features);
    this.policy = new Policy(this.classifier, policy);
    this.probs = new Float64Array(this.classifier.heads.length);
    this.attributor = new Attributor(this.extractor, this.classifier);
  }

  get categories(): readonly string[] {
    return this.classifier.heads;
  }

  /** The score at or above which `category` is flagged for text in `lang` (what eval judges by). */
  flagThreshold(category: string, lang: string): number {
    const head = this.classifier.heads.indexOf(category);
    return head < 0 ? 0.5 : this.policy.reviewThreshold(head, lang);
  }

  /** The score at or above which `category` is blocked for text in `lang`. */
  blockThreshold(category: string, lang: string): number {
    const head = this.classifier.heads.indexOf(category);
    return head < 0 ? 1 : this.policy.blockThreshold(head, lang);
  }

  classify(text: string, options: ClassifyOptions = {}): Classification {
    const norm = normalize(text, this.model.lexicon, this.model.normalization);
    const lang = this.model.language.identify(norm.text).lang;
    const namespace = this.classifier.features.languageFeatures ? languageNamespace(lang) : 0;
    const evasion = this.classifier.features.evasionFeatures ? evasionFlags(norm.signals) : 0;
    this.extractor.extract(norm.text, this.x, namespace, evasion);
    this.classifier.predict(this.x, lang, this.probs);
    const decision = this.policy.decide(this.probs, lang);
    const categories: Record<string, number> = {};
    this.classifier.heads.forEach((h, i) => (categories[h] = round4(this.probs[i]!)));
    const result: Classification = {
      score: round4(decision.score),
      flagged: decision.flagged,
      action: decision.action,
      categories,
      lang,
      model: this.version,
      stage: STAGE_LINEAR,
      degraded: false,
    };
    if (options.observe) {
      const g = norm.signals;
      const flaggedCategories: Record<string, boolean> = {};
      this.classifier.heads.forEach((h, i) => (flaggedCategories[h] = this.probs[i]! >= this.policy.reviewThreshold(i, lang)));
      result.observed = { normalized: norm.text, evasion: g.confusable + g.leet + g.split + g.stretched > 0, repairedEncoding: g.mojibake > 0, invisible: g.invisible > 0, flaggedCategories };
    }
    if (options.explain === true || (options.explain === "flagged" && decision.flagged)) {
      result.explanation = this.attributor.explain(text, norm, decision.top, this.x, namespace, evasion);
      result.reason = reasonFor(decision.action, this.classifier.heads[decision.top]!, this.probs[decision.top]!, result.explanation, norm.signals);
    } else if (options.explain === "flagged") {
      result.explanation = [];
      result.reason = reasonFor(decision.action, this.classifier.heads[decision.top]!, this.probs[decision.top]!, [], norm.signals);
    }
    return result;
  }
}
