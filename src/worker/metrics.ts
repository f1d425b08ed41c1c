/** The worker's Prometheus metrics: throughput by outcome, batch time, claims, backpressure, and the group's lag. */
import { createServer, type Server } from "node:http";
import type { Redis } from "ioredis";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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
      for (const g of groups) {
        const o: Record<string, string | number> = {};
        for (let i = 0; i + 1 < g.length; i += 2) o[String(g[i])] = g[i + 1]!;
        if (o.name === group) return o;
      }
      return {};
    };
    new Gauge({
      name: "warden_worker_group_lag",
      help: "Entries in the input stream not yet delivered to the consumer group",
      registers: [this.registry],
      async collect() {
        this.set(Number((await groupInfo()).lag ?? 0));
      },
    });
    new Gauge({
      name: "warden_worker_group_pending",
      help: "Entries delivered to the group but not yet acknowledged",
      registers: [this.registry],
      async collect() {
        this.set(Number((await groupInfo()).pending ?? 0));
      },
    });
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
