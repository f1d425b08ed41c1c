/**
 * Section 8 of `npm run bench`: serving under load, on the real server in a child process.
 *
 *   overload: the server's capacity measured closed-loop (100 connections), then an
 *     open-loop load of 4× that rate: how many requests were admitted (200) and shed
 *     (503 with Retry-After), anything else (errors, timeouts), and the admitted ones'
 *     latency as the client saw it
 *   shadow: the champion's latency at a moderate fixed rate, with and without a shadow
 *     experiment scoring a copy of every request (A/B × 3). The load is paced: one
 *     request every 1/rate seconds, whatever the answers do (autocannon's fixed rate
 *     sends each connection's share in bursts, and the queueing of its own bursts
 *     would dominate what is measured).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { serializeModel } from "../src/model/artifact.js";
import { Registry, loadDefaultModel } from "../src/registry/registry.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { startChild, stopChild, type Child } from "./http.js";

export interface LoadRound {
  readonly rate: number;
  readonly sent: number;
  readonly admitted: number;
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  readonly other: number;
  readonly admittedP50Ms: number;
  readonly admittedP99Ms: number;
  /** The server's own `latency_ms` of the admitted answers (classify inside the route), p99; null when not read. */
  readonly serverP99Ms: number | null;
}

export interface ServingResult {
  readonly capacityRps: number;
  /** OVERLOAD_ROUNDS rounds at 4× capacity, and the p99 of every admitted answer of them pooled. */
  readonly overload: LoadRound[];
  readonly overloadPooledP99Ms: number;
  readonly shadow: ShadowComparison;
}

export const TOKEN = "bench-token";

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
}

/** Closed-loop capacity: as fast as `connections` go, no per-response callbacks (they cost the client CPU). */
async function capacityOf(child: Child, bodies: string[], seconds: number, connections: number): Promise<number> {
  const r = await autocannon({ url: child.url, connections, duration: seconds, requests: bodies.map((body) => ({ method: "POST" as const, path: "/v1/classify", headers: { "content-type": "application/json" }, body })) });
  // Answers, not 503s: past its queue budget the server sheds some of 100 connections too.
  return r["2xx"] / r.duration;
}

/** Open-loop load at `rate` requests/s, each response's status and (for 200) latency recorded. */
async function run(child: Child, bodies: string[], seconds: number, connections: number, rate: number, pool: number[] = []): Promise<LoadRound> {
  const admittedMs: number[] = [];
  let shed = 0;
  let shedWithRetryAfter = 0;
  let other = 0;
  const r = await autocannon({
    url: child.url,
    connections,
    duration: seconds,
    timeout: 10,
    ...(rate > 0 ? { overallRate: rate } : {}),
    requests: bodies.map((body) => ({
      method: "POST" as const,
      path: "/v1/classify",
      headers: { "content-type": "application/json" },
      body,
      // One request in flight per connection: the connection's context carries its start time.
      setupRequest: (req: unknown, context: Record<string, unknown>) => {
        context.t0 = performance.now();
        return req as never;
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
  pool.push(...admittedMs);
  return {
    rate,
    sent: r.requests.sent ?? r.requests.total,
    admitted: admittedMs.length,
    shed,
    shedWithRetryAfter,
    other: other + r.errors + r.timeouts,
    admittedP50Ms: quantile(admittedMs, 0.5),
    admittedP99Ms: quantile(admittedMs, 0.99),
    serverP99Ms: null,
  };
}

/** One 5 s round of overload is at the mercy of this noisy machine: several, pooled. */
const OVERLOAD_ROUNDS = 3;

/** Open-loop paced load: request i leaves at start + i/rate, on kept-alive connections; each 200's latency from its send. */
async function paced(child: Child, bodies: string[], seconds: number, rate: number, pool: number[], serverPool: number[] = []): Promise<LoadRound> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL("/v1/classify", child.url);
  const total = Math.round(seconds * rate);
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
      while (sent < total && start + (sent * 1000) / rate <= now) {
        const body = bodies[sent++ % bodies.length]!;
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
  pool.push(...admittedMs);
  serverPool.push(...serverMs);
  return { rate, sent: total, admitted: admittedMs.length, shed, shedWithRetryAfter, other, admittedP50Ms: quantile(admittedMs, 0.5), admittedP99Ms: quantile(admittedMs, 0.99), serverP99Ms: quantile(serverMs, 0.99) };
}

export interface ShadowComparison {
  readonly rate: number;
  readonly without: LoadRound[];
  readonly with: LoadRound[];
  /** p99 over every admitted answer of the rounds pooled (one round's p99 rests on ~65 answers, too few). */
  readonly pooledP99Ms: { readonly without: number; readonly with: number };
  /** The same, of the server's own classify time (`latency_ms`): the champion's work, without the HTTP stack, the client or the scheduler. */
  readonly pooledServerP99Ms: { readonly without: number; readonly with: number };
}

const SHADOW_ROUNDS = 8;
const SHADOW_ROUND_SECONDS = 8;
/** The shadow process's start-up and model load, waited out before every round (with or without it). */
const SHADOW_LOAD_MS = 3000;

/**
 * The champion's latency at `rate` without and with a shadow experiment scoring a copy of
 * every request, alternating A/B `rounds` times on one running server.
 */
export async function measureShadow(child: Child, bodies: string[], rate: number, challenger: string, rounds = SHADOW_ROUNDS): Promise<ShadowComparison> {
  const admin = (path: string, body?: unknown): Promise<Response> =>
    fetch(`${child.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, connection: "close", ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const without: LoadRound[] = [];
  const withShadow: LoadRound[] = [];
  const pooled = { without: [] as number[], with: [] as number[] };
  const server = { without: [] as number[], with: [] as number[] };
  await paced(child, bodies, 3, rate, []); // warm-up at this rate, not measured
  // Both kinds of round start after the same pause, so an idle gap before one kind cannot tilt the comparison.
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, SHADOW_LOAD_MS));
  for (let i = 0; i < rounds; i++) {
    await pause();
    without.push(await paced(child, bodies, SHADOW_ROUND_SECONDS, rate, pooled.without, server.without));
    const name = `shadow-${Date.now()}-${i}`;
    const started = await admin("/v1/admin/experiments", { name, challenger, mode: "shadow", traffic: 1 });
    if (started.status !== 201) throw new Error(`starting the shadow experiment: ${started.status} ${await started.text()}`);
    // The steady state is measured: the shadow process starts and loads its model first (a second or so of both cores).
    await pause();
    withShadow.push(await paced(child, bodies, SHADOW_ROUND_SECONDS, rate, pooled.with, server.with));
    const stopped = await admin(`/v1/admin/experiments/${name}/stop`);
    if (stopped.status !== 200) throw new Error(`stopping the shadow experiment: ${stopped.status} ${await stopped.text()}`);
  }
  return {
    rate,
    without,
    with: withShadow,
    pooledP99Ms: { without: quantile(pooled.without, 0.99), with: quantile(pooled.with, 0.99) },
    pooledServerP99Ms: { without: quantile(server.without, 0.99), with: quantile(server.with, 0.99) },
  };
}

/** A challenger as heavy as the champion: the shipped model's int8 weights, unchanged, under another version, registered in `dataDir`. */
export async function registerTwinChallenger(dataDir: string): Promise<string> {
  const store = new SqliteStore(join(dataDir, "warden.db"));
  try {
    const shipped = loadDefaultModel();
    const twin = await new Registry(store, dataDir).register(serializeModel(shipped.model, { ...shipped.meta, challengerOf: shipped.version }, "int8"), { bench: "shadow challenger" });
    return twin.version;
  } finally {
    await store.close();
  }
}

export async function measureServing(childScript: string, bodies: string[]): Promise<ServingResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-bench-serving-"));
  let child: Child | undefined;
  try {
    const challenger = await registerTwinChallenger(dataDir);
    child = await startChild(childScript, "warden", dataDir, { ...process.env, WARDEN_ADMIN_TOKEN: TOKEN });
    await capacityOf(child, bodies, 2, 50); // warm-up
    const capacityRps = await capacityOf(child, bodies, 5, 100);
    const overload: LoadRound[] = [];
    const admitted: number[] = [];
    for (let i = 0; i < OVERLOAD_ROUNDS; i++) {
      overload.push(await run(child, bodies, 5, 400, Math.round(4 * capacityRps), admitted));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const shadow = await measureShadow(child, bodies, Math.max(50, Math.round(capacityRps / 4)), challenger);
    return { capacityRps, overload, overloadPooledP99Ms: quantile(admitted, 0.99), shadow };
  } finally {
    if (child) await stopChild(child.proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
