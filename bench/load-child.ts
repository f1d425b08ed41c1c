/**
 * The load generator of section 8 (bench/serving.ts), in a process of its own: forked
 * with an IPC channel, it runs each load it is sent and answers with what it saw.
 *
 * Why not in the benchmark's process: that process holds the sample, a loaded model and
 * every earlier section's results, a heap whose garbage collections pause the client.
 * A pause while requests are in flight is added to their measured latency, and the
 * latency tails are what section 8 measures. (Ad hoc, 4× overload on this machine: the
 * same server read p99 38 ms from a small client and 53 ms from one holding a model and
 * two million small objects.)
 *
 * Messages in: a LoadRequest; out: a LoadOutcome (or {error}).
 */
import { Agent, request } from "node:http";
import autocannon from "autocannon";

export type LoadRequest =
  /** Closed loop: as fast as `connections` go, no per-response callbacks (they cost the client CPU). */
  | { readonly kind: "capacity"; readonly url: string; readonly bodies: string[]; readonly seconds: number; readonly connections: number }
  /** Open loop at `rate` requests/s over `connections` (autocannon's overallRate), each response's status and latency recorded. */
  | { readonly kind: "open"; readonly url: string; readonly bodies: string[]; readonly seconds: number; readonly connections: number; readonly rate: number }
  /** Paced: request i leaves at start + i/rate on kept-alive connections, whatever the answers do. */
  | { readonly kind: "paced"; readonly url: string; readonly bodies: string[]; readonly seconds: number; readonly rate: number };

export interface LoadOutcome {
  readonly sent: number;
  /** Client latency (ms) of each answer with status 200. */
  readonly admittedMs: number[];
  /** The server's own `latency_ms` of each 200 (paced loads only). */
  readonly serverMs: number[];
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  /** Other statuses, connection errors and timeouts. */
  readonly other: number;
  /** Closed loop: answers (200) per second. */
  readonly answersPerSecond: number;
}

const requestsOf = (bodies: string[]): autocannon.Request[] => bodies.map((body) => ({ method: "POST", path: "/v1/classify", headers: { "content-type": "application/json" }, body }));

async function capacity(r: Extract<LoadRequest, { kind: "capacity" }>): Promise<LoadOutcome> {
  const out = await autocannon({ url: r.url, connections: r.connections, duration: r.seconds, requests: requestsOf(r.bodies) });
  // Answers, not 503s: past its queue budget the server sheds some of its connections too.
  return { sent: out.requests.sent ?? out.requests.total, admittedMs: [], serverMs: [], shed: out.non2xx, shedWithRetryAfter: 0, other: out.errors + out.timeouts, answersPerSecond: out["2xx"] / out.duration };
}

async function open(r: Extract<LoadRequest, { kind: "open" }>): Promise<LoadOutcome> {
  const admittedMs: number[] = [];
  let shed = 0;
  let shedWithRetryAfter = 0;
  let other = 0;
  const out = await autocannon({
    url: r.url,
    connections: r.connections,
    duration: r.seconds,
    timeout: 10,
    overallRate: r.rate,
    requests: requestsOf(r.bodies).map((req) => ({
      ...req,
      // One request in flight per connection: the connection's context carries its start time.
      setupRequest: (q: unknown, context: Record<string, unknown>) => {
        context.t0 = performance.now();
        return q as never;
      },
      onResponse: (status: number, _body: string, context: Record<string, unknown>, headers?: Record<string, string>) => {
        if (status === 200) admittedMs.push(performance.now() - (context.t0 as number));
        else if (status === 503) {
          shed++;
          if (headers && Object.keys(headers).some((h) => h.toLowerCase() === "retry-after")) shedWithRetryAfter++;
        } else other++;
      },
    })),
  } as autocannon.Options);
  return { sent: out.requests.sent ?? out.requests.total, admittedMs, serverMs: [], shed, shedWithRetryAfter, other: other + out.errors + out.timeouts, answersPerSecond: admittedMs.length / r.seconds };
}

async function paced(r: Extract<LoadRequest, { kind: "paced" }>): Promise<LoadOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL("/v1/classify", r.url);
  const total = Math.round(r.seconds * r.rate);
  const admittedMs: number[] = [];
  const serverMs: number[] = [];
  let shed = 0;
  let shedWithRetryAfter = 0;
  let other = 0;
  await new Promise<void>((done) => {
    let sent = 0;
    let finished = 0;
    const end = (): void => {
      if (++finished === total) done();
    };
    const start = performance.now();
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / r.rate <= now) {
        const body = r.bodies[sent++ % r.bodies.length]!;
        const t0 = performance.now();
        const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            if (res.statusCode === 200) {
              admittedMs.push(performance.now() - t0);
              serverMs.push((JSON.parse(text) as { latency_ms: number }).latency_ms);
            } else if (res.statusCode === 503) {
              shed++;
              if (res.headers["retry-after"] !== undefined) shedWithRetryAfter++;
            } else other++;
            end();
          });
        });
        req.on("error", () => {
          other++;
          end();
        });
        req.end(body);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  return { sent: total, admittedMs, serverMs, shed, shedWithRetryAfter, other, answersPerSecond: admittedMs.length / r.seconds };
}

function runLoad(r: LoadRequest): Promise<LoadOutcome> {
  if (r.kind === "capacity") return capacity(r);
  return r.kind === "open" ? open(r) : paced(r);
}

if (!process.send) throw new Error("load-child must be forked with an IPC channel");
process.on("message", (r: LoadRequest) => {
  runLoad(r).then(
    (outcome) => process.send!(outcome),
    (err: unknown) => process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on("disconnect", () => process.exit(0));
