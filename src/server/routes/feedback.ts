/** POST /v1/feedback: a label for an earlier classification. 202 means it is stored durably. */
import type { FastifyInstance } from "fastify";
import { topCategory } from "../../engine/policy.js";
import type { ServerContext } from "../app.js";
import { parseFeedback } from "../validate.js";
import { SCHEMAS } from "../schemas.js";

export function registerFeedbackRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/v1/feedback", { schema: SCHEMAS.feedback }, async (request, reply) => {
    const { id, label, reviewer, category } = parseFeedback(request.body);
    await ctx.store.insertFeedback({ id, label, ts: Date.now(), reviewer, category });
    ctx.metrics.feedback.inc({ label: String(label) });
    ctx.experiments.running?.experiment.recordFeedback(id, label);
    ctx.loop.onFeedback();
    // Label-based quality needs what was predicted: found when the prediction log has it
    // (it is written within a second; any replica's predictions on a shared store).
    const p = await ctx.store.getPrediction(id);
    if (p) {
      ctx.monitor.observeFeedback(id, { label, flagged: p.action !== "allow", lang: p.lang, model: p.model, category: topCategory(p.categories) ?? "", score: p.score });
    }
    return reply.code(202).send({ id, label, status: "accepted" });
  });
}
