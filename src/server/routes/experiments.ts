/** Admin routes for experiments (contract: POST /v1/admin/experiments, GET …/{name}, POST …/{name}/stop). */
import type { FastifyInstance } from "fastify";
import { WardenError } from "../../errors.js";
import type { ServerContext } from "../app.js";
import { adminGuard } from "./admin.js";
import { parseExperimentStart } from "../validate.js";
import { SCHEMAS } from "../schemas.js";

export function registerExperimentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const guard = adminGuard(ctx);

  app.post("/v1/admin/experiments", { preHandler: guard, schema: SCHEMAS.experimentStart }, async (request, reply) => {
    const req = parseExperimentStart(request.body);
    if (!(await ctx.registry.record(req.challenger))) throw new WardenError("MODEL_NOT_FOUND", `no registered model ${req.challenger}; see GET /v1/admin/models.`);
    const experiment = await ctx.experiments.start(req);
    return reply.code(201).send(experiment.status());
  });

  app.get("/v1/admin/experiments", { preHandler: guard, schema: SCHEMAS.admin }, async () => ({ experiments: await ctx.experiments.list() }));

  app.get<{ Params: { name: string } }>("/v1/admin/experiments/:name", { preHandler: guard, schema: SCHEMAS.admin }, async (request) => ctx.experiments.status(request.params.name));

  app.post<{ Params: { name: string } }>("/v1/admin/experiments/:name/stop", { preHandler: guard, schema: SCHEMAS.admin }, async (request) => ctx.experiments.stop(request.params.name, "stopped by hand"));
}
