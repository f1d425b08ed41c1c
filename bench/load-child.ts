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
import { connect, type Socket } from "node:net";
import autocannon from "autocannon";

export type LoadRequest =
  /** Closed loop: as fast as `connections` go, no per-response callbacks (they cost the client CPU). */
  | { readonly kind: "capacity"; readonly url: string; readonly bodies: string[]; readonly seconds: number; readonly connections: number }
  /** Open loop, paced: request i is due at start + i/rate and leaves on an idle one of `connections` kept-alive connections, whatever the answers do. */
  | { readonly kind: "paced"; readonly url: string; readonly bodies: string[]; readonly seconds: number; readonly rate: number; readonly connections: number };

export interface LoadOutcome {
  readonly sent: number;
  /** Client latency (ms) of each answer with status 200, from the request's write to its answer's last byte. */
  readonly admittedMs: number[];
  /** The server's own `latency_ms` of each 200 that carries one. */
  readonly serverMs: number[];
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  /** Other statuses, connection errors and timeouts. */
  readonly other: number;
  /** Closed loop: answers (200) per second. */
  readonly answersPerSecond: number;
  /** Paced: how late the client wrote its requests (ms past their due time), p99: whether it kept its pace. */
  readonly sendLagP99Ms: number;
}

async function capacity(r: Extract<LoadRequest, { kind: "capacity" }>): Promise<LoadOutcome> {
  const requests = r.bodies.map((body) => ({ method: "POST" as const, path: "/v1/classify", headers: { "content-type": "application/json" }, body }));
  const out = await autocannon({ url: r.url, connections: r.connections, duration: r.seconds, requests });
  // Answers, not 503s: past its queue budget the server sheds some of its connections too.
  return { sent: out.requests.sent ?? out.requests.total, admittedMs: [], serverMs: [], shed: out.non2xx, shedWithRetryAfter: 0, other: out.errors + out.timeouts, answersPerSecond: out["2xx"] / out.duration, sendLagP99Ms: 0 };
}

/** A paced request's answer still missing this long after the last request was due counts as a timeout. */
const TIMEOUT_MS = 10_000;

/**
 * The paced load on raw sockets with requests encoded once: a few µs of client work per
 * request, so the client keeps its pace at 4× the server's capacity. Latency runs from
 * the request's write to its answer. autocannon's fixed rate could not be used for this:
 * its per-connection rate limiter holds a request after the client has built it, and
 * the time from building to answer is all a request callback can see, so against a bare
 * Fastify route (ad hoc, 10,000 requests/s over 400 connections) it read p50 17 ms and
 * p99 84 ms of what was the client's own waiting.
 */
function paced(r: Extract<LoadRequest, { kind: "paced" }>): Promise<LoadOutcome> {
  const { hostname, port } = new URL(r.url);
  const wire = r.bodies.map((body) => Buffer.from(`POST /v1/classify HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  const total = Math.round(r.seconds * r.rate);
  const admittedMs: number[] = [];
  const serverMs: number[] = [];
  const lagMs: number[] = [];
  let shed = 0;
  let shedWithRetryAfter = 0;
  let other = 0;
  let sent = 0;
  let finished = 0;
  const idle: Connection[] = [];
  const opened = performance.now();
  // The pace starts once every connection is open: connecting 400 at once is not load.
  let start = -1;
  return new Promise((resolve) => {
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      other += total - finished;
      for (const c of all) c.socket.destroy();
      lagMs.sort((a, b) => a - b);
      resolve({ sent, admittedMs, serverMs, shed, shedWithRetryAfter, other, answersPerSecond: admittedMs.length / r.seconds, sendLagP99Ms: lagMs[Math.floor(0.99 * (lagMs.length - 1))] ?? 0 });
    };
    const answered = (status: number, head: string, body: string, ms: number): void => {
      if (status === 200) {
        admittedMs.push(ms);
        const server = /"latency_ms":([\d.]+)/.exec(body);
        if (server) serverMs.push(Number(server[1]));
      } else if (status === 503) {
        shed++;
        if (head.includes("\r\nretry-after:")) shedWithRetryAfter++;
      } else other++;
      if (++finished === total) end();
    };
    const failed = (): void => {
      other++;
      if (++finished === total) end();
    };
    // Every request that is due goes out on an idle connection; the rest wait for one.
    const pump = (): void => {
      const now = performance.now();
      if (start < 0) {
        if (now - opened > TIMEOUT_MS) end();
        return;
      }
      while (sent < total && start + (sent * 1000) / r.rate <= now && idle.length > 0) {
        lagMs.push(now - (start + (sent * 1000) / r.rate));
        idle.pop()!.send(wire[sent++ % wire.length]!, now);
      }
      if (sent === total && performance.now() - start > r.seconds * 1000 + TIMEOUT_MS) end();
    };
    const all = Array.from({ length: r.connections }, () => new Connection(hostname, Number(port), answered, failed, (c) => {
      idle.push(c);
      if (start < 0 && idle.length === r.connections) start = performance.now();
      pump();
    }, () => !ended));
    const timer = setInterval(pump, 1);
  });
}

/** One kept-alive HTTP/1.1 connection with one request in flight; answers are framed by content-length. */
class Connection {
  socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private t0 = 0;
  private busy = false;
  /** In the generator's list of idle connections: a reopened socket must not be listed twice. */
  private listed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly answered: (status: number, head: string, body: string, ms: number) => void,
    private readonly failed: () => void,
    private readonly ready: (c: Connection) => void,
    private readonly running: () => boolean,
  ) {
    this.socket = this.open();
  }

  private open(): Socket {
    const socket = connect(this.port, this.host, () => this.idle());
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    // A connection the server closed fails the request it held, and is opened again.
    socket.on("close", () => {
      if (this.busy) this.failed();
      this.busy = false;
      this.buffer = Buffer.alloc(0);
      if (this.running()) this.socket = this.open();
    });
    socket.on("error", () => {});
    return socket;
  }

  private idle(): void {
    if (this.listed || this.busy) return;
    this.listed = true;
    this.ready(this);
  }

  /** A write before a reopened socket has connected waits in the socket's buffer. */
  send(request: Buffer, now: number): void {
    this.listed = false;
    this.busy = true;
    this.t0 = now;
    this.socket.write(request);
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) return;
    const head = this.buffer.toString("latin1", 0, headEnd).toLowerCase();
    const length = Number(/\r\ncontent-length: *(\d+)/.exec(head)?.[1] ?? 0);
    if (this.buffer.length < headEnd + 4 + length) return;
    const body = this.buffer.toString("utf8", headEnd + 4, headEnd + 4 + length);
    this.buffer = Buffer.alloc(0);
    this.busy = false;
    this.answered(Number(head.slice(9, 12)), head, body, performance.now() - this.t0);
    // A server that closes the connection after this answer gets the next request on a new one.
    if (!head.includes("\r\nconnection: close")) this.idle();
  }
}

function runLoad(r: LoadRequest): Promise<LoadOutcome> {
  return r.kind === "capacity" ? capacity(r) : paced(r);
}

if (!process.send) throw new Error("load-child must be forked with an IPC channel");
process.on("message", (r: LoadRequest) => {
  runLoad(r).then(
    (outcome) => process.send!(outcome),
    (err: unknown) => process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on("disconnect", () => process.exit(0));
