/** The worker's Prometheus metrics: throughput by outcome, batch time, claims, backpressure, and the group's lag. */
import { createServer, type Server } from "node:http";
import type { Redis } from "ioredis";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { fieldsOf } from "./stream-worker.js";

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly messages = new Counter({ name: "warden_worker_messages_total", help: "Stream entries handled, by outcome (answered, duplicate: answered before, error: not classifiable)", labelNames: ["outcome"], registers: [this.registry] });
  readonly commitSeconds = new Histogram({ name: "warden_worker_commit_seconds", help: "Time to commit one batch of answers to Redis", buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry] });
  readonly claimed = new Counter({ name: "warden_worker_claimed_total", help: "Entries taken over from consumers that left them pending too long", registers: [this.registry] });
  readonly backpressure = new Counter({ name: "warden_worker_backpressure_pauses_total", help: "Pauses because the output stream's backlog was over its limit", registers: [this.registry] });

  constructor(redis: Redis, stream: string, group: string) {
    collectDefaultMetrics({ register: this.registry });
    // Read from Redis when scraped: entries not yet delivered to the group, and delivered but unacknowledged.
    const groupInfo = async (): Promise<Record<string, string | number>> => {
      const groups = (await redis.xinfo("GROUPS", stream)) as Array<Array<string | number>>;
      return groups.map(fieldsOf).find((o) => o.name === group) ?? {};
    };
    const groupGauge = (name: string, help: string, field: string): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(Number((await groupInfo())[field] ?? 0));
        },
      });
    };
    groupGauge("warden_worker_group_lag", "Entries in the input stream not yet delivered to the consumer group", "lag");
    groupGauge("warden_worker_group_pending", "Entries delivered to the group but not yet acknowledged", "pending");
  }

  /** Serve /metrics on a port (0: any free port). */
  listen(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      void this.registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": this.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
  }
}
