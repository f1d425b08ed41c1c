/**
 * The serving path under a deadline: the rules stage first (a deployment's allow and
 * block lists answer at once), then the model, guarded by a circuit breaker. When the
 * model throws, is cut off by its breaker, would not fit in what is left of the budget,
 * or does not answer before the deadline, the fallback answers instead, marked
 * `degraded: true` and naming why. A model with a second stage runs it (on the messages
 * stage 1 is unsure of) only when the budget leaves room for both stages.
 */
import { Breaker } from "./breaker.js";
import type { Classification, ClassifyOptions, Engine, StageChoice } from "./engine.js";
import type { RulesStage } from "./rules.js";

export type DegradedReason = "model error" | "circuit open" | "deadline";

export interface CascadeOptions {
  readonly fallbackAction: "allow" | "review";
  readonly breaker: { failures: number; cooldownMs: number };
}

export interface CascadeRequest extends ClassifyOptions {
  /** The request's budget in ms, counted from `startedAt` (performance.now()). */
  readonly deadlineMs: number;
  readonly startedAt: number;
}

/** What the model stage is to the cascade: the engine, or anything answering like it (and reading like it, for the rules). */
export type ModelStage = Pick<Engine, "version" | "model" | "read"> & { classify(text: string, options?: ClassifyOptions): Classification | Promise<Classification> };

/** The model's cost is judged to fit when this many times its recent cost is left; both stages, twice that. */
const FIT_MARGIN = 3;

/** Which stages may answer with `remainingMs` of budget left, the model costing `costMs` a message of late. */
export function stagesWithin(remainingMs: number, costMs: number, asked: StageChoice): StageChoice | "none" {
  if (remainingMs < FIT_MARGIN * costMs) return "none";
  return remainingMs < 2 * FIT_MARGIN * costMs ? "first" : asked;
}

export class Cascade {
  readonly breaker: Breaker;
  /** The model stage's recent cost (ms, exponentially weighted), to judge whether it fits a budget. */
  private costMs = 1;

  constructor(
    private readonly rules: RulesStage,
    private readonly options: CascadeOptions,
    private readonly onDegraded: (reason: DegradedReason) => void = () => {},
  ) {
    this.breaker = new Breaker(options.breaker);
  }

  async classify(stage: ModelStage, text: string, req: CascadeRequest): Promise<Classification> {
    // The rules see the message as the model will (masked letters read in its language),
    // and the model is handed that reading instead of making it again.
    const reading = this.rules.empty ? undefined : stage.read(text, req.explain === true);
    if (reading) {
      const hit = this.rules.match(reading);
      if (hit) {
        const blocked = hit.action === "block";
        return {
          score: blocked ? 1 : 0,
          flagged: blocked,
          action: hit.action,
          categories: {},
          lang: reading.lang,
          model: stage.version,
          stage: "rules",
          degraded: false,
          explanation: [{ start: hit.start, end: hit.end, text: text.slice(hit.start, hit.end), weight: blocked ? 1 : -1 }],
          reason: `${blocked ? "Blocked" : "Allowed"} by this deployment's ${hit.action} list (rule ${JSON.stringify(hit.rule)}).`,
        };
      }
    }
    const remaining = req.deadlineMs - (performance.now() - req.startedAt);
    if (!this.breaker.allow()) return this.fallback(stage, "circuit open");
    const asked = req.stages ?? "auto";
    const stages = stagesWithin(remaining, this.costMs, asked);
    if (stages === "none") {
      this.breaker.release(); // skipped, not failed: a half-open probe stays available
      return this.fallback(stage, "deadline");
    }
    const t0 = performance.now();
    try {
      const answer = stage.classify(text, { ...req, stages, reading });
      const result = answer instanceof Promise ? await withDeadline(answer, remaining) : answer;
      if (result === null) {
        this.breaker.failure();
        return this.fallback(stage, "deadline");
      }
      this.breaker.success();
      this.costMs = 0.9 * this.costMs + 0.1 * (performance.now() - t0);
      return result;
    } catch {
      this.breaker.failure();
      return this.fallback(stage, "model error");
    }
  }

  private fallback(stage: ModelStage, why: DegradedReason): Classification {
    this.onDegraded(why);
    const review = this.options.fallbackAction === "review";
    return {
      score: 0,
      flagged: review,
      action: this.options.fallbackAction,
      categories: {},
      lang: "unknown",
      model: stage.version,
      stage: "fallback",
      degraded: true,
      explanation: [],
      reason: `The model could not answer (${why}); no rule matched, so the fallback ${review ? "sent it to review" : "allowed it"}.`,
    };
  }
}

/** The answer, or null when the deadline passes first. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, ms))))]).finally(() => clearTimeout(timer));
}
