/**
 * The HTTP face: wires the engine, the store, the registry and metrics into Fastify
 * routes. It holds no classification logic of its own.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import swagger from "@fastify/swagger";
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { WardenConfig } from "../config.js";
import { WardenError, ERROR_STATUS, errorBody } from "../errors.js";
import type { Engine } from "../engine/engine.js";
import { ExperimentManager } from "../experiments/manager.js";
import { PredictionLog } from "../log/prediction-log.js";
import { DEFAULT_HYSTERESIS } from "../monitor/alerts.js";
import { alertSink } from "../monitor/alerting.js";
import { DEFAULT_MONITOR, Monitor } from "../monitor/monitor.js";
import { WindowSharer } from "../monitor/share.js";
import { Window } from "../monitor/window.js";
import { DEFAULT_THRESHOLDS } from "../monitor/statistics.js";
import { DEFAULT_MODEL_PATH, type Registry } from "../registry/registry.js";
import type { Store } from "../store/types.js";
import { Cascade } from "../engine/cascade.js";
import { RulesStage } from "../engine/rules.js";
import { followChampion } from "./champion-sync.js";
import { registerLoadShedding } from "./shedding.js";
import { PACKAGE_VERSION } from "../version.js";
import { ServerMetrics } from "./metrics.js";
import { registerAdminRoutes } from "./routes/admin.js";
import { registerCardRoutes } from "./routes/cards.js";
import { registerClassifyRoutes } from "./routes/classify.js";
import { registerExperimentRoutes } from "./routes/experiments.js";
import { registerFeedbackRoutes } from "./routes/feedback.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerMonitorRoutes } from "./routes/monitor.js";
import { registerReviewRoutes } from "./routes/review.js";
import { registerLoopRoutes } from "./routes/loop.js";
import { LoopController, type RetrainRunner } from "../loop/controller.js";
import { retrain } from "../loop/retrain.js";

/** How often queued monitoring observations are folded in, and the longest one slice of that work may hold the event loop. */
const MONITOR_EVERY_MS = 50;
const MONITOR_SLICE_MS = 1;
/** How often closed monitoring windows are shared with the other replicas (at most; a shorter monitoring.windowSeconds shares sooner). */
const SHARE_EVERY_MS = 10_000;

/**
 * The engine being served, and the changes of it: one at a time, in the order asked, so
 * that a promotion through the admin API, which the champion follower (champion-sync.ts)
 * sees a moment later and asks for too, is loaded once: the second ask finds the version
 * serving. (The two used to load and warm up the same model side by side, doubling the
 * time the requests in flight waited.) The engine a change replaced stays loaded, so
 * that a rollback is a swap back, with nothing to load.
 */
export class EngineSlot {
  private queue: Promise<unknown> = Promise.resolve();
  private previous: Engine | null = null;

  constructor(public current: Engine) {}

  /** Serve `version`: build its engine beside the current one (`build`), unless it is serving or the one just replaced, then swap it in. */
  replace(version: string, build: (version: string) => Promise<Engine>): Promise<Engine> {
    const done = this.queue.then(async () => {
      if (this.current.version === version) return this.current;
      const engine = this.previous?.version === version ? this.previous : await build(version);
      this.previous = this.current;
      this.current = engine;
      return engine;
    });
    // a failed change leaves the current engine serving; the next one runs all the same
    this.queue = done.catch(() => undefined);
    return done;
  }
}

export interface ServerDeps {
  readonly slot: EngineSlot;
  readonly store: Store;
  readonly registry: Registry;
  readonly config: WardenConfig;
  readonly adminToken?: string;
  readonly logger?: boolean;
  /** Builds an engine for a registered version (used by promotion and rollback). */
  readonly loadEngine: (version: string) => Promise<Engine>;
  /** The draw that sends a share of traffic to review at random (default Math.random; seeded where a run must repeat). */
  readonly random?: () => number;
  /** Close the store when the server closes, after the prediction log's last write (`warden serve`: the server owns it). */
  readonly closeStore?: boolean;
  /** Runs a claimed retrain (default: in this process; `warden serve` runs it in a child process). */
  readonly retrainRunner?: RetrainRunner;
}

export interface ServerContext extends ServerDeps {
  readonly metrics: ServerMetrics;
  readonly predictionLog: PredictionLog;
  readonly experiments: ExperimentManager;
  readonly monitor: Monitor;
  readonly cascade: Cascade;
  readonly loop: LoopController;
  /** This process's name among replicas sharing the store (its monitoring windows carry it). */
  readonly replicaId: string;
}

/** Map Fastify's own errors (parser, body limit, media type) to the contract's error body. */
function toWardenError(err: FastifyError | WardenError): WardenError {
  if (err instanceof WardenError) return err;
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new WardenError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with content-type: application/json.");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new WardenError("BODY_TOO_LARGE", `the body is larger than the limit of ${err.message.match(/\d+/)?.[0] ?? "the configured"} bytes.`);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new WardenError("INVALID_JSON", "the body is empty; send a JSON object.");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new WardenError("BAD_REQUEST", "the content-length header does not match the body.");
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new WardenError("INVALID_JSON", `the body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new WardenError("BAD_REQUEST", err.message);
  }
  return new WardenError("INTERNAL", "internal error; the request was not processed.");
}

/** The model's own reference for monitoring (its validation data), when the registry has one. */
export function referenceOf(registry: Registry, version: string): Window | null {
  const snapshot = registry.reference(version);
  return snapshot ? Window.fromSnapshot(snapshot) : null;
}

export async function buildServer(deps: ServerDeps): Promise<{ app: FastifyInstance; context: ServerContext }> {
  const app = Fastify({
    logger: deps.logger ? { level: process.env.LOG_LEVEL ?? "info" } : false,
    bodyLimit: deps.config.limits.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify answers a malformed URL (FST_ERR_BAD_URL) before routing, in its own body shape.
    frameworkErrors: (err: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply.code(ERROR_STATUS.BAD_REQUEST).send(errorBody("BAD_REQUEST", err.message));
    },
  });
  // Route schemas document the API (/docs/openapi.json); validate.ts alone checks requests
  // and words their errors, and answers are serialized as they are.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      info: { title: "Warden", version: PACKAGE_VERSION, description: "Multilingual trust-and-safety text classification. Errors are {\"error\": {\"code\", \"message\"}}." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "WARDEN_ADMIN_TOKEN" } } },
    },
  });
  app.get("/docs/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  // The API is JSON only: without this, Fastify's default text/plain parser lets a
  // text/plain body through to validation (400) instead of 415.
  app.removeContentTypeParser("text/plain");
  const metrics = new ServerMetrics();
  metrics.setModel(deps.slot.current.version);
  const predictionLog = new PredictionLog(deps.store, {
    capacity: deps.config.monitoring.logBufferSize,
    batchSize: 1000,
    flushIntervalMs: deps.config.monitoring.logFlushMs,
    retention: deps.config.monitoring.retention,
    onDrop: (n) => metrics.logDropped.inc(n),
    onError: (err) => app.log.error({ err }, "prediction log write failed"),
  });
  const experiments = new ExperimentManager(deps.store, () => deps.slot.current, deps.loadEngine, {
    artifact: async (version) => ({ path: (await deps.registry.record(version))?.path ?? DEFAULT_MODEL_PATH, profilePath: deps.registry.profilePath(version) }),
    policy: deps.config.policy,
    onDisagreement: (id) => {
      if (!predictionLog.markForReview(id, "disagreement")) metrics.reviewMarksMissed.inc();
    },
  });
  await experiments.sync();
  const runner: RetrainRunner = deps.retrainRunner ?? (async (claimed) => void (await retrain({ store: deps.store, registry: deps.registry, config: deps.config, dataDir: deps.registry.dataDir, trigger: claimed.trigger, claimed })));
  const loop = new LoopController(deps.store, deps.registry, experiments, deps.config.loop, runner, (message) => app.log.info(message));
  const m = deps.config.monitoring;
  const replicaId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // Closed windows go to the store for the other replicas, merged per interval (share.ts); a day of them is kept, as the monitor keeps its own.
  const sharer = new WindowSharer(
    (w) =>
      deps.store
        .putMonitorWindow({ replica: replicaId, end: w.end, state: w.state() as unknown as Record<string, unknown> })
        .then(() => deps.store.deleteMonitorWindows(Date.now() - DEFAULT_MONITOR.retentionSeconds * 1000))
        .catch((err: unknown) => app.log.warn({ err }, "monitoring window not shared")),
    Math.min(SHARE_EVERY_MS, m.windowSeconds * 1000),
  );
  const monitor = new Monitor(
    () => ({ lexicon: deps.slot.current.model.lexicon, profile: deps.slot.current.profile, policy: deps.config.policy }),
    { ...DEFAULT_MONITOR, windowSize: m.windowSize, windowSeconds: m.windowSeconds, minMessages: m.minMessages, hysteresis: { ...DEFAULT_HYSTERESIS, consecutive: m.consecutive }, thresholds: { ...DEFAULT_THRESHOLDS, ...m.thresholds } },
    referenceOf(deps.registry, deps.slot.current.version),
    sinks(alertSink(deps.store, m.webhookUrl, metrics.alertFiring, metrics.alertWebhookErrors), (changes) => loop.onAlerts(changes)),
    Date.now,
    (w) => sharer.add(w),
  );
  monitor.restoreAlerts(await deps.store.listAlerts());
  // Monitoring works off the request path: observations are folded in on this timer, in
  // slices of at most MONITOR_SLICE_MS with the requests that arrived meanwhile answered
  // in between. One fold every 250 ms stalled the loop 7.5 ms on average (15 ms at most)
  // at 4x overload, which went straight into the latency of every request queued behind it.
  // One chain of slices at a time: a tick that finds one running leaves it to finish.
  let folding = false;
  const fold = (): void => {
    folding = monitor.flush(MONITOR_SLICE_MS);
    if (folding) setImmediate(fold);
    metrics.monitorDropped.set(monitor.dropped);
  };
  const monitorTimer = setInterval(() => folding || fold(), MONITOR_EVERY_MS);
  monitorTimer.unref();
  const cascade = new Cascade(new RulesStage(deps.config.serving.rules), deps.config.serving, (reason) => metrics.degraded.inc({ reason }));
  const context: ServerContext = { ...deps, metrics, predictionLog, experiments, monitor, cascade, loop, replicaId };
  registerLoadShedding(app, context);

  app.setErrorHandler((err: FastifyError | WardenError, request, reply) => {
    const werr = toWardenError(err);
    if (werr.code === "INTERNAL") request.log.error({ err }, "unhandled error");
    void reply.code(ERROR_STATUS[werr.code]).send(errorBody(werr.code, werr.message));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody("NOT_FOUND", `no route ${request.method} ${request.url}.`));
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
  const stopFollowing = followChampion(context);
  app.addHook("onClose", async () => {
    clearInterval(monitorTimer);
    monitor.flush();
    stopFollowing();
    loop.close();
    experiments.close();
    await sharer.close();
    await predictionLog.close();
    if (deps.closeStore) await deps.store.close();
  });

  registerHealthRoutes(app, context);
  registerClassifyRoutes(app, context);
  registerFeedbackRoutes(app, context);
  registerAdminRoutes(app, context);
  registerExperimentRoutes(app, context);
  registerCardRoutes(app, context);
  registerMonitorRoutes(app, context);
  registerReviewRoutes(app, context);
  registerLoopRoutes(app, context);
  return { app, context };
}

function sinks<T>(...fns: Array<(x: T) => void>): (x: T) => void {
  return (x) => fns.forEach((f) => f(x));
}
