/** `warden worker`: classify a Redis stream with a consumer group (the contract's scale-out path). */
import { hostname } from "node:os";
import type { Command } from "commander";
import { loadConfig } from "../config.js";
import { dataDirOption, parseInteger, storeOption, withRegistry } from "./shared.js";

const int = (name: string, min: number) => (v: string): number => parseInteger(v, name, min);

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("classify a Redis stream with a consumer group; answers go to --out-stream as {id, result}, each id once")
    .requiredOption("--redis <url>", "redis://host:port")
    .requiredOption("--stream <name>", "input stream: entries with a field text (and optional id, user)")
    .requiredOption("--group <name>", "consumer group (created from the start of the stream when missing)")
    .requiredOption("--out-stream <name>", "output stream")
    .option("--consumer <name>", "this worker's name in the group (default: host and process id)")
    .option("--model <version>", "registered model version (default: champion, else the shipped model)")
    .addOption(storeOption())
    .option("--batch <n>", "entries read per batch", int("--batch", 1), 256)
    .option("--block-ms <n>", "how long a read waits for new entries", int("--block-ms", 1), 1000)
    .option("--claim-idle-ms <n>", "take over entries another consumer left pending this long", int("--claim-idle-ms", 1), 30_000)
    .option("--max-out-backlog <n>", "pause while the output stream holds more entries than this (0: no limit)", int("--max-out-backlog", 0), 0)
    .option("--max-rate <n>", "at most this many messages a second (0: no limit)", int("--max-rate", 0), 0)
    .option("--dedupe-ttl-s <n>", "how long an answered id is remembered, so a redelivered or resent entry is not answered twice", int("--dedupe-ttl-s", 1), 3600)
    .option("--metrics-port <n>", "serve Prometheus metrics on this port (127.0.0.1)", int("--metrics-port", 0))
    .option("--config <file>", "config file (JSON)")
    .addOption(dataDirOption())
    .action(async (opts: { redis: string; stream: string; group: string; outStream: string; consumer?: string; model?: string; store?: string; batch: number; blockMs: number; claimIdleMs: number; maxOutBacklog: number; maxRate: number; dedupeTtlS: number; metricsPort?: number; config?: string; dataDir: string }) => {
      const config = loadConfig(opts.config);
      // Its modules (the engine, ioredis) load only for this command, like every heavy command's (main.ts).
      const [{ Engine }, { WorkerMetrics }, { StreamWorker }, { Redis }] = await Promise.all([
        import("../engine/engine.js"),
        import("../worker/metrics.js"),
        import("../worker/stream-worker.js"),
        import("ioredis"),
      ]);
      const loaded = await withRegistry(opts.dataDir, opts.store, (registry) => registry.load(opts.model));
      const engine = new Engine(loaded, config.policy);
      const redis = new Redis(opts.redis, { maxRetriesPerRequest: null, lazyConnect: true });
      await redis.connect();
      const metrics = new WorkerMetrics(redis, opts.stream, opts.group);
      const server = opts.metricsPort !== undefined ? await metrics.listen(opts.metricsPort, "127.0.0.1") : undefined;
      const consumer = opts.consumer ?? `${hostname()}-${process.pid}`;
      const worker = new StreamWorker(redis, engine, { ...opts, consumer, answeredTtlSeconds: opts.dedupeTtlS, limits: config.limits }, metrics);
      // SIGTERM/SIGINT: finish the batch in hand, acknowledge it, then leave.
      const stop = (): void => worker.stop();
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      process.stderr.write(`worker ${consumer}: ${opts.stream} → ${opts.outStream} (group ${opts.group}), model ${engine.version}\n`);
      try {
        const summary = await worker.run();
        process.stderr.write(`worker ${consumer} stopped: ${JSON.stringify(summary)}\n`);
      } finally {
        // Also on an error (the stream deleted under us, say): release the connection so the process can exit.
        server?.close();
        redis.disconnect();
      }
    });
}
