/**
 * Admin routes (the registry). They exist only when WARDEN_ADMIN_TOKEN is set
 * (404 otherwise) and need `Authorization: Bearer <token>` (401 otherwise).
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { WardenError } from "../../errors.js";
import type { ServerContext } from "../app.js";
import { serveVersion } from "../champion-sync.js";
import { SCHEMAS } from "../schemas.js";

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** preHandler of every admin route: 404 without a configured token, 401 without the right one. */
export function adminGuard(ctx: ServerContext): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request) => {
    if (!ctx.adminToken) throw new WardenError("NOT_FOUND", `no route ${request.method} ${request.url}.`);
    if (!tokenMatches(request.headers.authorization, ctx.adminToken)) {
      throw new WardenError("UNAUTHORIZED", "admin routes need Authorization: Bearer <WARDEN_ADMIN_TOKEN>.");
    }
  };
}

export function registerAdminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const guard = adminGuard(ctx);

  const serve = (version: string): Promise<void> => serveVersion(ctx, version);

  app.get("/v1/admin/models", { preHandler: guard, schema: SCHEMAS.admin }, async () => ({ models: await ctx.registry.list() }));

  app.post<{ Params: { version: string } }>("/v1/admin/models/:version/promote", { preHandler: guard, schema: SCHEMAS.admin }, async (request) => {
    const record = await ctx.registry.promote(request.params.version, "promoted via admin API");
    await serve(record.version);
    return { champion: record.version };
  });

  app.post("/v1/admin/models/rollback", { preHandler: guard, schema: SCHEMAS.admin }, async () => {
    const version = await ctx.registry.rollback();
    await serve(version);
    return { champion: version };
  });
}
