/**
 * The loop's state for people and the dashboard (GET /v1/loop: counts only, never
 * message text): reviews waiting, labels gathered per language, precision and recall
 * measured on the random review sample with their intervals, the last retrains with
 * their gate verdict and experiment. POST /v1/admin/retrain starts one by hand.
 */
import type { FastifyInstance } from "fastify";
import { randomSampleConfusion, sampledQuality } from "../../loop/estimate.js";
import type { RetrainRecord } from "../../store/types.js";
import type { ServerContext } from "../app.js";
import { adminGuard } from "./admin.js";
import { SCHEMAS } from "../schemas.js";

const RETRAINS_SHOWN = 10;

function retrainView(r: RetrainRecord): Record<string, unknown> {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  return { id: r.id, trigger: r.trigger, state: r.state, started_at: iso(r.startedAt), finished_at: iso(r.finishedAt), candidate: r.candidate, gate: r.gate, experiment: r.experiment, message: r.message };
}

export function registerLoopRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/v1/loop", { schema: SCHEMAS.loop }, async () => {
    const [pending, counts, retrains] = await Promise.all([ctx.store.countReviewQueue(), ctx.store.countFeedback(), ctx.store.listRetrains(RETRAINS_SHOWN)]);
    const labels: Record<string, Record<string, number>> = {};
    for (const c of counts) {
      for (const key of ["all", c.lang]) {
        const l = (labels[key] ??= { n: 0, random: 0, flagged: 0, uncertain: 0, disagreement: 0, other: 0 });
        l.n! += c.n;
        l[c.review ?? "other"]! += c.n;
      }
    }
    const quality = Object.fromEntries([...randomSampleConfusion(counts)].map(([k, m]) => [k === "*" ? "all" : k, sampledQuality(m)]));
    const last = retrains.find((r) => r.state !== "skipped") ?? null;
    const experiment = last?.experiment ? await ctx.experiments.status(last.experiment).catch(() => null) : null;
    const { review, loop } = ctx.config;
    return {
      review: { pending, sampling: { random_share: review.randomShare, uncertain_margin: review.uncertainMargin, uncertain_share: review.uncertainShare }, labels },
      sampled_quality: quality,
      last_retrain: last ? { ...retrainView(last), experiment_status: experiment } : null,
      retrains: retrains.map(retrainView),
      waiting: ctx.loop.waitingFor,
      loop: { configured: loop.baseData.length > 0, trigger_alerts: loop.triggerAlerts, every_hours: loop.everyHours, min_labels: loop.minFeedbackRows, auto_promote: loop.autoPromote },
    };
  });

  app.post("/v1/admin/retrain", { preHandler: adminGuard(ctx), schema: SCHEMAS.retrain }, async (_request, reply) => {
    const claim = await ctx.loop.trigger("manual");
    return reply.code(claim.state === "running" ? 202 : 409).send(retrainView(claim));
  });
}
