/**
 * The one classify path, shared by the CLI, the server, the worker and the library:
 * normalize → features → model → calibrated scores → policy → action (+ explanation),
 * one message at a time (classify) or a batch stage by stage (classifyMany).
 * With a second stage in the model, stage 1 answers alone when it is sure, and hands a
 * message on when some category's score is within the model's band of its review
 * threshold (the cascade; a tight budget can keep it to stage 1).
 *
 * Synchronous and allocation-light: scratch vectors are reused between calls, so an
 * Engine is not shared across threads (each worker has its own).
 */
import type { PolicyConfig } from "../config.js";
import { FeatureExtractor, SparseVector } from "../features/extract.js";
import { languageNamespace, logOddsDistance, type WardenModel } from "../model/bundle.js";
import type { ScoreProfile } from "../model/profile.js";
import type { LinearModel } from "../model/linear.js";
import { evasionFlags, normalize, normalizeText, type Normalized, type NormalizedText } from "../text/normalize.js";
import { resolveBaseRates } from "./base-rates.js";
import { Attributor, type Span } from "./explain.js";
import { Policy, type Action, type Decision } from "./policy.js";
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
  /**
   * Which stages may answer: `auto` (default) stage 1, handing on to stage 2 when unsure;
   * `first` stage 1 only (what a tight budget allows); `second` stage 2 whenever the model
   * has one (evaluation).
   */
  readonly stages?: StageChoice;
  /**
   * This engine's `read` of the same text, made before (the rules stage reads a message
   * before the model answers it): used instead of reading the text a second time. A
   * reading of another text is not used.
   */
  readonly reading?: Reading;
}

/** How the engine reads a message: normalized, and in its language. */
export interface Reading {
  /** The text as sent. */
  readonly text: string;
  readonly norm: NormalizedText;
  readonly lang: string;
  /**
   * The same reading with the map back to the input, built on the first call: only an
   * explanation or a rule's span points back, so most messages never pay for the map.
   */
  mapped(): Normalized;
}

export type StageChoice = "auto" | "first" | "second";

export interface LoadedModel {
  readonly version: string;
  readonly model: WardenModel;
  /** Its validation score profile, where one was kept (needed by a policy with a base rate). */
  readonly profile?: ScoreProfile | null;
}

/** The names answers give their stage by. */
export const STAGE_FIRST = "linear";
export const STAGE_SECOND = "stage2";

/** One model stage's classifier and its reusable scratch. */
class Stage {
  readonly extractor: FeatureExtractor;
  readonly policy: Policy;
  readonly x = new SparseVector();
  readonly probs: Float64Array;
  readonly attributor: Attributor;

  constructor(
    readonly name: string,
    readonly classifier: LinearModel,
    policy: PolicyConfig,
  ) {
    this.extractor = new FeatureExtractor(classifier.features);
    this.policy = new Policy(classifier, policy);
    this.probs = new Float64Array(classifier.heads.length);
    this.attributor = new Attributor(this.extractor, classifier);
  }

  namespace(lang: string): number {
    return this.classifier.features.languageFeatures ? languageNamespace(lang) : 0;
  }

  evasion(flags: number): number {
    return this.classifier.features.evasionFeatures ? flags : 0;
  }

  /** The top words of the text `score` last read, weighed for `head` (explain.ts); `original` is the input as sent. */
  explain(original: string, norm: Normalized, head: number, lang: string, evasionFlags: number): Span[] {
    return this.attributor.explain(original, norm, head, this.x, this.namespace(lang), this.evasion(evasionFlags));
  }

  /** Scores `text` into `probs` and decides. */
  score(text: string, lang: string, evasionFlags: number): Decision {
    this.extractor.extract(text, this.x, this.namespace(lang), this.evasion(evasionFlags));
    this.classifier.predict(this.x, lang, this.probs);
    return this.policy.decide(this.probs, lang);
  }

  /** Whether some category's score is within `band` (log-odds) of its review threshold. */
  unsure(lang: string, band: number): boolean {
    for (let h = 0; h < this.probs.length; h++) if (logOddsDistance(this.probs[h]!, this.policy.reviewThreshold(h, lang)) <= band) return true;
    return false;
  }
}

/** Round to 4 decimals: enough for thresholds, keeps JSON small and stable. */
function round4(p: number): number {
  return Math.round(p * 1e4) / 1e4;
}

export class Engine {
  readonly version: string;
  readonly model: WardenModel;
  /** The model's validation score profile (null when it has none): base-rate thresholds and monitoring's base-rate estimate use it. */
  readonly profile: ScoreProfile | null;
  private readonly first: Stage;
  private readonly second: Stage | null;
  private readonly band: number;

  constructor(loaded: LoadedModel, policy: PolicyConfig) {
    this.version = loaded.version;
    this.model = loaded.model;
    this.profile = loaded.profile ?? null;
    // Both stages' scores are calibrated probabilities, so one set of thresholds serves both.
    const resolved = resolveBaseRates(policy, loaded.profile ?? null, loaded.version);
    this.first = new Stage(STAGE_FIRST, loaded.model.classifier, resolved);
    const stage2 = loaded.model.stage2;
    this.second = stage2 ? new Stage(STAGE_SECOND, stage2.classifier, resolved) : null;
    this.band = stage2?.band ?? 0;
  }

  get categories(): readonly string[] {
    return this.first.classifier.heads;
  }

  /** Whether the model has a second stage. */
  get cascades(): boolean {
    return this.second !== null;
  }

  private stageNamed(stage: string | undefined): Stage {
    return stage === STAGE_SECOND && this.second ? this.second : this.first;
  }

  /** The score at or above which `category` is flagged for text in `lang` by `stage` (default stage 1; what eval judges by). */
  flagThreshold(category: string, lang: string, stage?: string): number {
    const head = this.categories.indexOf(category);
    return head < 0 ? 0.5 : this.stageNamed(stage).policy.reviewThreshold(head, lang);
  }

  /** The score at or above which `category` is blocked for text in `lang` by `stage` (default stage 1). */
  blockThreshold(category: string, lang: string, stage?: string): number {
    const head = this.categories.indexOf(category);
    return head < 0 ? 1 : this.stageNamed(stage).policy.blockThreshold(head, lang);
  }

  classify(text: string, options: ClassifyOptions = {}): Classification {
    const reading = options.reading?.text === text ? options.reading : this.read(text, options.explain === true);
    const { norm, lang } = reading;
    const evasion = evasionFlags(norm.signals);
    const choice = options.stages ?? "auto";
    let stage = this.startStage(choice);
    let decision = stage.score(norm.text, lang, evasion);
    if (this.handsOn(stage, choice, lang)) {
      stage = this.second!;
      decision = stage.score(norm.text, lang, evasion);
    }
    const result = this.answer(stage, decision, lang);
    const { probs, classifier } = stage;
    if (options.observe) {
      const g = norm.signals;
      const flaggedCategories: Record<string, boolean> = {};
      classifier.heads.forEach((h, i) => (flaggedCategories[h] = probs[i]! >= stage.policy.reviewThreshold(i, lang)));
      result.observed = { normalized: norm.text, evasion: g.confusable + g.leet + g.split + g.stretched > 0, repairedEncoding: g.mojibake > 0, invisible: g.invisible > 0, flaggedCategories };
    }
    if (options.explain === true || (options.explain === "flagged" && decision.flagged)) {
      result.explanation = stage.explain(text, reading.mapped(), decision.top, lang, evasion);
      result.reason = reasonFor(decision.action, classifier.heads[decision.top]!, probs[decision.top]!, result.explanation, norm.signals);
    } else if (options.explain === "flagged") {
      result.explanation = [];
      result.reason = reasonFor(decision.action, classifier.heads[decision.top]!, probs[decision.top]!, [], norm.signals);
    }
    return result;
  }

  /**
   * The answers `classify(text, {stages})` gives each of `texts`, computed stage by stage
   * over the whole batch: every text normalized, then every language identified, then
   * stage 1 for all, then stage 2 for those it hands on. Each stage's tables (a model's
   * weights are megabytes, read at random) stay in the CPU caches across the batch
   * instead of evicting one another on every message: the batch path of the CLI and
   * the stream worker, where no answer carries an explanation.
   */
  classifyMany(texts: readonly string[], stages: StageChoice = "auto"): Classification[] {
    const { norms, langs } = this.readMany(texts);
    const answers = new Array<Classification>(texts.length);
    const handedOn: number[] = [];
    const start = this.startStage(stages);
    norms.forEach((norm, i) => {
      const decision = start.score(norm.text, langs[i]!, evasionFlags(norm.signals));
      if (this.handsOn(start, stages, langs[i]!)) handedOn.push(i);
      else answers[i] = this.answer(start, decision, langs[i]!);
    });
    for (const i of handedOn) {
      const decision = this.second!.score(norms[i]!.text, langs[i]!, evasionFlags(norms[i]!.signals));
      answers[i] = this.answer(this.second!, decision, langs[i]!);
    }
    return answers;
  }

  /**
   * The text as this engine reads it: normalized, then its language identified. A message
   * with masked letters is read again in that language: the lexicon then reads "s*ch" as
   * a German word in German ("sich") and an English one in English ("such"). Masks are
   * rare, so the second reading costs next to nothing. `withMap` when the map back to the
   * input will surely be wanted (every answer explained): it is then built with the
   * reading instead of by normalizing the text again.
   */
  read(text: string, withMap = false): Reading {
    const { lexicon, normalization } = this.model;
    const normalizer = withMap ? normalize : normalizeText;
    const first = normalizer(text, lexicon, normalization);
    const lang = this.model.language.identify(first.text).lang;
    const inLanguage = this.maskedIn(first, lang);
    const norm = inLanguage ? normalizer(text, lexicon, normalization, inLanguage) : first;
    let mapped = withMap ? (norm as Normalized) : undefined;
    return { text, norm, lang, mapped: () => (mapped ??= normalize(text, lexicon, normalization, inLanguage)) };
  }

  /**
   * What `read` makes of every text, pass by pass: all normalized, then all their
   * languages identified, so that the normalizer's tables and language id's stay in the
   * CPU caches across the batch instead of evicting one another on every message.
   */
  private readMany(texts: readonly string[]): { norms: NormalizedText[]; langs: string[] } {
    const { lexicon, normalization, language } = this.model;
    const firsts = texts.map((t) => normalizeText(t, lexicon, normalization));
    const langs = firsts.map((f) => language.identify(f.text).lang);
    const norms = firsts.map((first, i) => {
      const inLanguage = this.maskedIn(first, langs[i]!);
      return inLanguage ? normalizeText(texts[i]!, lexicon, normalization, inLanguage) : first;
    });
    return { norms, langs };
  }

  /** The language to read a text in again: its own, when its first reading found masked letters and the lexicon knows languages. */
  private maskedIn(first: NormalizedText, lang: string): string | undefined {
    return first.signals.masked > 0 && this.model.lexicon.knowsLanguages ? lang : undefined;
  }

  /** The stage that reads every message under `choice`. */
  private startStage(choice: StageChoice): Stage {
    return choice === "second" && this.second ? this.second : this.first;
  }

  /** Whether `stage`, having just scored a message in `lang`, hands it on to stage 2. */
  private handsOn(stage: Stage, choice: StageChoice, lang: string): boolean {
    return this.second !== null && stage === this.first && choice === "auto" && stage.unsure(lang, this.band);
  }

  /** The answer from the scores `stage` has just computed. */
  private answer(stage: Stage, decision: Decision, lang: string): Classification {
    const categories: Record<string, number> = {};
    stage.classifier.heads.forEach((h, i) => (categories[h] = round4(stage.probs[i]!)));
    return {
      score: round4(decision.score),
      flagged: decision.flagged,
      action: decision.action,
      categories,
      lang,
      model: this.version,
      stage: stage.name,
      degraded: false,
    };
  }
}
