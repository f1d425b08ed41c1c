/** POST /v1/feedback: a label for an earlier classification. 202 means it is stored durably. */
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../app.js";
import { parseFeedback } from "../validate.js";

export function registerFeedbackRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/v1/feedback", async (request, reply) => {
    const { id, label } = parseFeedback(request.body);
    await ctx.store.insertFeedback({ id, label, ts: Date.now() });
    ctx.experiments.running?.experiment.recordFeedback(id, label);
    ctx.metrics.feedback.inc({ label: String(label) });
    return reply.code(202).send({ id, label, status: "accepted" });
  });
}
