/**
 * POST /v1/classify: one text or a batch, through the engine. Every answer is handed to
 * the prediction log and the monitor, both of which do their work off the request path.
 */
import { createHash, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { STAGE_SECOND, type Classification } from "../../engine/engine.js";
import { WardenError } from "../../errors.js";
import { chooseArm } from "../../experiments/serve.js";
import { reviewReason } from "../../loop/sampling.js";
import type { ServerContext } from "../app.js";
import { parseClassifyRequest } from "../validate.js";
import { SCHEMAS } from "../schemas.js";

export type ClassifyResponse = { id: string } & Omit<Classification, "observed"> & { latency_ms: number; arm?: string };

interface Budget {
  readonly startedAt: number;
  readonly deadlineMs: number;
  readonly explain: boolean;
}

async function classifyOne(ctx: ServerContext, text: string, id: string, user: string | undefined, budget: Budget): Promise<ClassifyResponse> {
  const choice = chooseArm(ctx.experiments, ctx.slot.current, user ?? id, text);
  const t0 = performance.now();
  const { observed, ...result } = await ctx.cascade.classify(choice.engine, text, { explain: budget.explain || "flagged", observe: true, deadlineMs: budget.deadlineMs, startedAt: budget.startedAt });
  const latencyMs = performance.now() - t0;
  choice.report(id, result, latencyMs);
  ctx.metrics.stageLatency.observe({ stage: result.stage }, latencyMs / 1000);
  ctx.metrics.classifications.inc({ action: result.action });
  const ts = Date.now();
  const review = reviewReason(result, (category, lang) => choice.engine.flagThreshold(category, lang, result.stage), ctx.config.review, ctx.random);
  ctx.predictionLog.push({
    id,
    ts,
    model: result.model,
    stage: result.stage,
    score: result.score,
    action: result.action,
    categories: result.categories,
    lang: result.lang,
    latencyMs,
    textHash: createHash("sha256").update(text).digest("hex"),
    // The log drops it on writing unless the retention setting keeps it.
    text: ctx.config.monitoring.retention === "hash" ? null : text,
    arm: choice.arm,
    evasion: observed?.evasion ?? false,
    review,
  });
  ctx.monitor.observe({
    ts,
    score: result.score,
    flagged: result.flagged,
    action: result.action,
    lang: result.lang,
    model: result.model,
    latencyMs,
    degraded: result.degraded,
    secondStage: result.stage === STAGE_SECOND,
    // Rules and fallback answers carry no observation: the monitor counts them, without words.
    normalized: observed?.normalized ?? "",
    evasion: observed?.evasion ?? false,
    repairedEncoding: observed?.repairedEncoding ?? false,
    invisible: observed?.invisible ?? false,
    categories: result.categories,
    flaggedCategories: observed?.flaggedCategories ?? {},
  });
  return { id, ...result, latency_ms: Math.round(latencyMs * 1000) / 1000, ...(choice.arm ? { arm: choice.arm } : {}) };
}

export function registerClassifyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/v1/classify", { schema: SCHEMAS.classify }, async (request, reply) => {
    // The budget counts from when the request reached the server, parsing included.
    const startedAt = performance.now() - reply.elapsedTime;
    let req: ReturnType<typeof parseClassifyRequest>;
    try {
      req = parseClassifyRequest(request.body, ctx.config.limits);
    } catch (err) {
      // Empty and over-long texts are a data-quality signal, not only a client error.
      if (err instanceof WardenError && err.code === "EMPTY_TEXT") ctx.monitor.countRejected("empty");
      if (err instanceof WardenError && err.code === "TEXT_TOO_LONG") ctx.monitor.countRejected("over-length");
      throw err;
    }
    const serving = ctx.config.serving;
    const budget = { startedAt, deadlineMs: Math.min(req.deadlineMs ?? serving.defaultDeadlineMs, serving.maxDeadlineMs), explain: req.explain === true };
    if (req.kind === "single") return classifyOne(ctx, req.text, req.id ?? randomUUID(), req.user, budget);
    // Back to the event loop between texts: a batch of 256 is tens of ms of work, and done in
    // one go it held every other client's request behind it (ad hoc: while one client posted
    // such batches back to back, three in four of another client's single requests were shed).
    const results: ClassifyResponse[] = [];
    for (const t of req.texts) {
      if (results.length > 0) await yieldToLoop();
      results.push(await classifyOne(ctx, t, randomUUID(), undefined, budget));
    }
    return { results };
  });
}
