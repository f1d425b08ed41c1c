/** Liveness, readiness, Prometheus metrics, and the dashboard's page and files. */
import cluster from "node:cluster";
import type { FastifyInstance } from "fastify";
import { asset } from "../../dashboard/assets.js";
import { DASHBOARD_CSP, dashboardPage } from "../../dashboard/page.js";
import { WardenError, errorBody } from "../../errors.js";
import type { ServerContext } from "../app.js";
import { clusterMetrics } from "../cluster.js";
import { SCHEMAS } from "../schemas.js";

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/healthz", { schema: SCHEMAS.plain }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: SCHEMAS.plain }, async (_request, reply) => {
    try {
      await ctx.store.ping();
    } catch (err) {
      return reply.code(503).send(errorBody("NOT_READY", `the store does not answer: ${(err as Error).message}`));
    }
    return { status: "ready", model: ctx.slot.current.version };
  });
  // In a cluster worker, the sum over all workers; otherwise this process's own.
  const metricsText = cluster.isWorker ? clusterMetrics(ctx.metrics.registry) : () => ctx.metrics.registry.metrics();
  app.get("/metrics", { schema: SCHEMAS.plain }, async (_request, reply) => reply.type(ctx.metrics.registry.contentType).send(await metricsText()));
  app.get("/", async (_request, reply) => reply.header("content-security-policy", DASHBOARD_CSP).type("text/html; charset=utf-8").send(dashboardPage()));
  app.get<{ Params: { name: string } }>("/assets/:name", async (request, reply) => {
    const a = asset(request.params.name);
    if (!a) throw new WardenError("NOT_FOUND", `no asset ${request.params.name}.`);
    return reply.header("cache-control", "public, max-age=300").type(a.type).send(a.body);
  });
}
