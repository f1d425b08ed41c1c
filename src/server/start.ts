/**
 * Start the server on a data dir: open the store, load the champion (or the shipped
 * default model), listen, and shut down gracefully on SIGTERM/SIGINT (stop accepting,
 * finish in-flight requests, flush the prediction log, close the store).
 */
import type { FastifyInstance } from "fastify";
import type { WardenConfig } from "../config.js";
import { Engine } from "../engine/engine.js";
import { warmUp } from "./warmup.js";
import { Registry } from "../registry/registry.js";
import { openStore } from "../store/open.js";
import { retrainInChild } from "../loop/child.js";
import { EngineSlot, buildServer } from "./app.js";

export interface StartOptions {
  readonly dataDir: string;
  readonly storeUrl?: string;
  readonly port: number;
  readonly host: string;
  readonly config: WardenConfig;
  readonly logger?: boolean;
}

/** Builds the engine of a registered version (the champion without one), warmed up before it serves (server/warmup.ts): at start, and beside the current model on a promotion. */
export function engineLoader(registry: Registry, config: WardenConfig): (version?: string) => Promise<Engine> {
  return async (version) => warmUp(new Engine(await registry.load(version), config.policy), config.serving.warmUpMessages);
}

export async function startServer(options: StartOptions): Promise<{ app: FastifyInstance; url: string }> {
  const store = await openStore(options.storeUrl, options.dataDir);
  const registry = new Registry(store, options.dataDir);
  const loadEngine = engineLoader(registry, options.config);
  const slot = new EngineSlot(await loadEngine());
  const adminToken = process.env.WARDEN_ADMIN_TOKEN || undefined;
  const { app } = await buildServer({
    slot,
    store,
    registry,
    config: options.config,
    ...(adminToken ? { adminToken } : {}),
    logger: options.logger ?? true,
    loadEngine,
    retrainRunner: retrainInChild({ store, dataDir: options.dataDir, config: options.config, ...(options.storeUrl ? { storeUrl: options.storeUrl } : {}) }),
    closeStore: true,
  });
  const url = await app.listen({ port: options.port, host: options.host });
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down: finishing in-flight requests");
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return { app, url };
}
