/** Liveness, readiness, Prometheus metrics and the dashboard page. */
import type { FastifyInstance } from "fastify";
import { dashboardPage } from "../../dashboard/page.js";
import type { ServerContext } from "../app.js";

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    try {
      await ctx.store.ping();
    } catch (err) {
      return reply.code(503).send({ error: { code: "NOT_READY", message: `the store does not answer: ${(err as Error).message}` } });
    }
    return { status: "ready", model: ctx.slot.current.version };
  });
  app.get("/metrics", async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(dashboardPage(ctx.slot.current.version)));
}
