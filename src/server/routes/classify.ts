/** POST /v1/classify: one text or a batch, through the engine; every answer is logged in the background. */
import { createHash, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Classification } from "../../engine/engine.js";
import { chooseArm } from "../../experiments/serve.js";
import type { ServerContext } from "../app.js";
import { parseClassifyRequest } from "../validate.js";

export type ClassifyResponse = { id: string } & Classification & { latency_ms: number; arm?: string };

function classifyOne(ctx: ServerContext, text: string, id: string, user?: string): ClassifyResponse {
  const choice = chooseArm(ctx.experiments, ctx.slot.current, user ?? id, text);
  const t0 = performance.now();
  const result = choice.engine.classify(text, { explain: true });
  const latencyMs = performance.now() - t0;
  choice.report(id, result, latencyMs);
  ctx.metrics.stageLatency.observe({ stage: result.stage }, latencyMs / 1000);
  ctx.metrics.classifications.inc({ action: result.action });
  ctx.predictionLog.push({
    id,
    ts: Date.now(),
    model: result.model,
    stage: result.stage,
    score: result.score,
    action: result.action,
    categories: result.categories,
    lang: result.lang,
    latencyMs,
    textHash: createHash("sha256").update(text).digest("hex"),
    text: null,
  });
  return { id, ...result, latency_ms: Math.round(latencyMs * 1000) / 1000, ...(choice.arm ? { arm: choice.arm } : {}) };
}

export function registerClassifyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/v1/classify", async (request) => {
    const req = parseClassifyRequest(request.body, ctx.config.limits);
    if (req.kind === "single") return classifyOne(ctx, req.text, req.id ?? randomUUID(), req.user);
    return { results: req.texts.map((t) => classifyOne(ctx, t, randomUUID())) };
  });
}
