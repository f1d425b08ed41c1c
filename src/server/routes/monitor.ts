/** GET /v1/monitor, GET /v1/alerts (public, as in the contract) and POST /v1/admin/monitor/reference (admin). */
import type { FastifyInstance } from "fastify";
import { WardenError } from "../../errors.js";
import type { ServerContext } from "../app.js";
import { Window, type WindowState } from "../../monitor/window.js";
import { adminGuard } from "./admin.js";
import { SCHEMAS } from "../schemas.js";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_WINDOW_MS = 86_400_000;

/** "15m", "2h", "30s", "1d" → milliseconds (at most a day, what the monitor keeps). */
export function parseWindow(value: string | undefined): { ms: number; label: string } {
  const label = value ?? "15m";
  const m = /^(\d{1,5})([smhd])$/.exec(label);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!m || ms <= 0 || ms > MAX_WINDOW_MS) throw new WardenError("BAD_REQUEST", `"window" must be a duration like 30s, 15m, 2h or 1d, at most 1d. Got ${JSON.stringify(label)}.`);
  return { ms, label };
}

export function registerMonitorRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: { window?: string } }>("/v1/monitor", { schema: SCHEMAS.monitor }, async (request) => {
    const { ms, label } = parseWindow(request.query.window);
    // Other replicas' figures arrive as their windows close (every monitoring.windowSize messages or windowSeconds).
    const others = await ctx.store.listMonitorWindows(Date.now() - ms, ctx.replicaId);
    const windows = others.map((o) => Window.fromState(o.state as unknown as WindowState));
    return { ...ctx.monitor.status(ms, label, windows), replicas: 1 + new Set(others.map((o) => o.replica)).size };
  });
  app.get<{ Querystring: { window?: string } }>("/v1/monitor/timeline", { schema: SCHEMAS.timeline }, async (request) => {
    const { ms } = parseWindow(request.query.window ?? "1h");
    return { windows: ctx.monitor.timeline(ms) };
  });
  app.get("/v1/alerts", { schema: SCHEMAS.alerts }, async () => ({ alerts: ctx.monitor.alerts() }));
  app.post("/v1/admin/monitor/reference", { preHandler: adminGuard(ctx), schema: SCHEMAS.admin }, async () => ({ reference: ctx.monitor.pinReference() }));
}
