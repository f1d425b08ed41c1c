/**
 * `warden serve --workers N`: N server processes sharing one port (node:cluster), each
 * a whole server on the same store. /metrics adds up across them: a worker asked for
 * metrics asks the primary, which gathers every worker's registry (prom-client's
 * AggregatorRegistry) and sums them. SIGTERM to the primary stops every worker
 * gracefully (each finishes its in-flight requests and flushes its log), then exits.
 */
import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

interface MetricsRequest {
  readonly type: "warden:metrics";
  readonly id: number;
}

interface MetricsReply {
  readonly type: "warden:metrics:reply";
  readonly id: number;
  readonly body: string;
  readonly error?: string;
}

/** In the primary: fork the workers, answer their metrics requests, stop them on SIGTERM. */
export function runPrimary(workers: number, log: (line: string) => void): void {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  // A worker that keeps dying (a store that cannot be opened, say) must not be restarted forever.
  const restarts: number[] = [];
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("message", (worker, message: MetricsRequest) => {
    if (message?.type !== "warden:metrics") return;
    aggregator.clusterMetrics().then(
      (body) => worker.send({ type: "warden:metrics:reply", id: message.id, body } satisfies MetricsReply),
      (err: Error) => worker.send({ type: "warden:metrics:reply", id: message.id, body: "", error: err.message } satisfies MetricsReply),
    );
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > 3 * workers) {
      log(`workers keep exiting (${restarts.length} in a minute); giving up`);
      stop();
      process.exitCode = 1;
      return;
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** In a worker: expose its registry to the primary, and a way to get the cluster's sum. */
export function clusterMetrics(registry: Registry): () => Promise<string> {
  // Constructing one installs prom-client's answer to the primary's requests in this worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const waiting = new Map<number, (r: MetricsReply) => void>();
  process.on("message", (m: MetricsReply) => {
    if (m?.type === "warden:metrics:reply") waiting.get(m.id)?.(m);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the primary did not answer for metrics within 5 s"));
      }, 5000);
      waiting.set(id, (r) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (r.error) reject(new Error(r.error));
        else resolve(r.body);
      });
      process.send!({ type: "warden:metrics", id } satisfies MetricsRequest);
    });
}
