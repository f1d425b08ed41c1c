/**
 * GET /v1/admin/review: the review queue. Messages sent to review or blocked whose text
 * the retention setting kept and that nobody has labelled yet, newest first, each with
 * its explanation by the model serving now. Admin only: it shows what users wrote.
 */
import type { FastifyInstance } from "fastify";
import { WardenError } from "../../errors.js";
import type { Classification } from "../../engine/engine.js";
import type { ServerContext } from "../app.js";
import { adminGuard } from "./admin.js";
import { SCHEMAS } from "../schemas.js";

const MAX_ITEMS = 200;
/** Explanations already computed, by prediction id and the model that explained it: the dashboard asks every few seconds. */
const CACHE_SIZE = 1000;

export function registerReviewRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const explained = new Map<string, Pick<Classification, "explanation" | "reason">>();
  const explain = (id: string, text: string): Pick<Classification, "explanation" | "reason"> => {
    const engine = ctx.slot.current;
    const key = `${engine.version}\u0000${id}`;
    let hit = explained.get(key);
    if (!hit) {
      const r = engine.classify(text, { explain: true });
      hit = { explanation: r.explanation, reason: r.reason };
      if (explained.size >= CACHE_SIZE) explained.delete(explained.keys().next().value!);
      explained.set(key, hit);
    }
    return hit;
  };
  app.get<{ Querystring: { limit?: string } }>("/v1/admin/review", { preHandler: adminGuard(ctx), schema: SCHEMAS.admin }, async (request) => {
    const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ITEMS) throw new WardenError("BAD_REQUEST", `"limit" must be an integer from 1 to ${MAX_ITEMS}.`);
    const version = ctx.slot.current.version;
    const items = await ctx.store.listReviewQueue(limit);
    return {
      items: items.map((p) => {
        const now = explain(p.id, p.text!);
        return { id: p.id, ts: new Date(p.ts).toISOString(), text: p.text, action: p.action, score: p.score, categories: p.categories, lang: p.lang, model: p.model, explanation: now.explanation, reason: now.reason, explained_by: version };
      }),
    };
  });
}
