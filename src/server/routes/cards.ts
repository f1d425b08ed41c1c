/** GET /v1/models/{version}/card: the model card kept in the registry (HTML, or Markdown with ?format=md). */
import type { FastifyInstance } from "fastify";
import { WardenError } from "../../errors.js";
import type { ServerContext } from "../app.js";
import { SCHEMAS } from "../schemas.js";

/** The card is static: no scripts, no remote content, whatever a dataset name contains. */
const CARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function registerCardRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { version: string }; Querystring: { format?: string } }>("/v1/models/:version/card", { schema: SCHEMAS.plain }, async (request, reply) => {
    const format = request.query.format ?? "html";
    if (format !== "html" && format !== "md") throw new WardenError("BAD_REQUEST", '"format" must be "html" or "md".');
    const card = ctx.registry.card(request.params.version, format);
    if (card === null) {
      throw new WardenError("NOT_FOUND", `no model card for ${request.params.version}; make one with: warden report --model ${request.params.version} --data <test data>.`);
    }
    return reply
      .header("content-security-policy", CARD_CSP)
      .type(format === "html" ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8")
      .send(card);
  });
}
