/**
 * Section 8 of `npm run bench`: serving under load, on the real server in a child process.
 *
 *   overload: the server's capacity measured closed-loop (100 connections), then an
 *     open-loop load of 4× that rate, paced (load-child.ts): how many requests were
 *     admitted (200) and shed (503 with Retry-After), anything else (errors, timeouts),
 *     and the admitted ones' latency as the client saw it; each round followed by the
 *     same load on the HTTP floor, the latency the client and the HTTP stack alone give
 *   shadow: the champion's latency at a moderate paced rate, with and without a shadow
 *     experiment scoring a copy of every request (A/B rounds).
 *   cold start: a new server's first seconds, with and without its warm-up.
 *   promotions: the same rate while models are promoted and rolled back on the server.
 *
 * The load comes from a process of its own (load-child.ts), whose small heap's garbage
 * collections do not pause the client while requests are in flight.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { serializeModel } from "../src/model/artifact.js";
import { Registry, loadDefaultModel } from "../src/registry/registry.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { startChild, stopChild, type Child } from "./http.js";
import type { LoadOutcome, LoadRequest } from "./load-child.js";

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
  /** How late the client wrote its requests, p99 (ms): near 0 when it kept its pace. */
  readonly sendLagP99Ms: number;
}

export interface ServingResult {
  readonly capacityRps: number;
  /** OVERLOAD_ROUNDS rounds at 4× capacity, and the p99 of every admitted answer of them pooled. */
  readonly overload: LoadRound[];
  readonly overloadPooledP99Ms: number;
  /**
   * The same load against the HTTP floor (a bare Fastify route, bench/http.ts), a round
   * after each of Warden's: the latency the client and the HTTP stack alone give at that rate.
   */
  readonly overloadFloor: LoadRound[];
  readonly overloadFloorPooledP99Ms: number;
  readonly shadow: ShadowComparison;
  readonly coldStart: ColdStart;
  readonly promotions: Promotions;
}

export const TOKEN = "bench-token";

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
}

/** The load generator's process (load-child.ts): one load at a time. */
class LoadClient {
  private readonly proc: ChildProcess = fork(fileURLToPath(new URL("./load-child.js", import.meta.url)), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });

  run(load: LoadRequest): Promise<LoadOutcome> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the load generator exited (${code})`));
      this.proc.once("exit", onExit);
      this.proc.once("message", (m: LoadOutcome | { error: string }) => {
        this.proc.off("exit", onExit);
        if ("error" in m) reject(new Error(`the load generator failed: ${m.error}`));
        else resolve(m);
      });
      this.proc.send(load);
    });
  }

  close(): void {
    this.proc.disconnect();
  }
}

/** A round's figures from what the client saw; its admitted latencies join `pool`, the server's own join `serverPool`. */
function roundOf(rate: number, o: LoadOutcome, pool: number[], serverPool?: number[]): LoadRound {
  pool.push(...o.admittedMs);
  serverPool?.push(...o.serverMs);
  return {
    rate,
    sent: o.sent,
    admitted: o.admittedMs.length,
    shed: o.shed,
    shedWithRetryAfter: o.shedWithRetryAfter,
    other: o.other,
    admittedP50Ms: quantile(o.admittedMs, 0.5),
    admittedP99Ms: quantile(o.admittedMs, 0.99),
    serverP99Ms: serverPool ? quantile(o.serverMs, 0.99) : null,
    sendLagP99Ms: o.sendLagP99Ms,
  };
}

/** One 5 s round of overload is at the mercy of this noisy machine: several, pooled. */
const OVERLOAD_ROUNDS = 3;
const OVERLOAD_CONNECTIONS = 400;
/** The moderate paced loads' connections: far more than they ever have in flight. */
const PACED_CONNECTIONS = 64;

export interface ShadowComparison {
  readonly rate: number;
  readonly without: LoadRound[];
  readonly with: LoadRound[];
  /** p99 over every admitted answer of the rounds pooled (one round's p99 rests on ~65 answers, too few). */
  readonly pooledP99Ms: { readonly without: number; readonly with: number };
  /** The same, of the server's own classify time (`latency_ms`): the champion's work, without the HTTP stack, the client or the scheduler. */
  readonly pooledServerP99Ms: { readonly without: number; readonly with: number };
}

const SHADOW_ROUNDS = 12;
const SHADOW_ROUND_SECONDS = 8;
/** The shadow process's start-up and model load, waited out before every round (with or without it). */
const SHADOW_LOAD_MS = 3000;

/**
 * The champion's latency at `rate` without and with a shadow experiment scoring a copy of
 * every request, alternating A/B `rounds` times on one running server.
 */
async function measureShadow(client: LoadClient, child: Child, bodies: string[], rate: number, challenger: string, rounds = SHADOW_ROUNDS): Promise<ShadowComparison> {
  const admin = (path: string, body?: unknown): Promise<Response> =>
    fetch(`${child.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, connection: "close", ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const without: LoadRound[] = [];
  const withShadow: LoadRound[] = [];
  const pooled = { without: [] as number[], with: [] as number[] };
  const server = { without: [] as number[], with: [] as number[] };
  const paced = (seconds: number): Promise<LoadOutcome> => client.run({ kind: "paced", url: child.url, bodies, seconds, rate, connections: PACED_CONNECTIONS });
  await paced(3); // warm-up at this rate, not measured
  // Both kinds of round start after the same pause, so an idle gap before one kind cannot tilt the comparison.
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, SHADOW_LOAD_MS));
  for (let i = 0; i < rounds; i++) {
    await pause();
    without.push(roundOf(rate, await paced(SHADOW_ROUND_SECONDS), pooled.without, server.without));
    const name = `shadow-${Date.now()}-${i}`;
    const started = await admin("/v1/admin/experiments", { name, challenger, mode: "shadow", traffic: 1 });
    if (started.status !== 201) throw new Error(`starting the shadow experiment: ${started.status} ${await started.text()}`);
    // The steady state is measured: the shadow process starts and loads its model first (a second or so of both cores).
    await pause();
    withShadow.push(roundOf(rate, await paced(SHADOW_ROUND_SECONDS), pooled.with, server.with));
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

export interface ColdStart {
  readonly rate: number;
  readonly seconds: number;
  /** The default warm-up's size (serving.warmUpMessages). */
  readonly warmUpMessages: number;
  /** The first COLD_START_SECONDS of a server just started, serving its model cold (serving.warmUpMessages 0) and warmed up (the default). */
  readonly cold: LoadRound[];
  readonly warmed: LoadRound[];
  readonly pooledP99Ms: { readonly cold: number; readonly warmed: number };
}

const COLD_START_ROUNDS = 3;
const COLD_START_SECONDS = 8;

/**
 * A replica's first seconds: a new server, paced load at `rate` from the moment it is
 * ready, with and without its warm-up (server/warmup.ts), alternating.
 */
async function measureColdStart(client: LoadClient, childScript: string, dataDir: string, bodies: string[], rate: number): Promise<ColdStart> {
  const coldConfig = join(dataDir, "cold.json");
  writeFileSync(coldConfig, JSON.stringify({ serving: { warmUpMessages: 0 } }));
  const rounds = { cold: [] as LoadRound[], warmed: [] as LoadRound[] };
  const pooled = { cold: [] as number[], warmed: [] as number[] };
  for (let i = 0; i < COLD_START_ROUNDS; i++) {
    for (const kind of ["cold", "warmed"] as const) {
      const child = await startChild(childScript, "warden", dataDir, process.env, kind === "cold" ? coldConfig : undefined);
      try {
        rounds[kind].push(roundOf(rate, await client.run({ kind: "paced", url: child.url, bodies, seconds: COLD_START_SECONDS, rate, connections: PACED_CONNECTIONS }), pooled[kind]));
      } finally {
        await stopChild(child.proc);
      }
    }
  }
  return { rate, seconds: COLD_START_SECONDS, warmUpMessages: loadConfig().serving.warmUpMessages, ...rounds, pooledP99Ms: { cold: quantile(pooled.cold, 0.99), warmed: quantile(pooled.warmed, 0.99) } };
}

export interface Promotions {
  readonly rate: number;
  readonly seconds: number;
  /** Rounds of the same load with no change, with a promotion sent as it starts, and with a rollback sent as it starts. */
  readonly quiet: LoadRound[];
  readonly promotion: LoadRound[];
  readonly rollback: LoadRound[];
  readonly pooledP99Ms: { readonly quiet: number; readonly promotion: number; readonly rollback: number };
  /** How long each admin call took to answer (the new model serving by then), ms. */
  readonly promoteMs: number[];
  readonly rollbackMs: number[];
}

const PROMOTION_ROUNDS = 3;
const PROMOTION_ROUND_SECONDS = 3;

/**
 * A promotion while serving: each round promotes a model the server has not loaded (the
 * shipped weights under a new version, as heavy as a real candidate), so it is read,
 * verified and warmed up beside the serving one, then rolls back to the champion the
 * rounds start from; a round of the same load with no change comes first each time.
 */
async function measurePromotions(client: LoadClient, childScript: string, dataDir: string, bodies: string[], rate: number): Promise<Promotions> {
  const [base, ...candidates] = await registerTwins(dataDir, PROMOTION_ROUNDS + 1, "promotion");
  const store = new SqliteStore(join(dataDir, "warden.db"));
  try {
    await new Registry(store, dataDir).promote(base!, "bench: the champion the promotions start from");
  } finally {
    await store.close();
  }
  const child = await startChild(childScript, "warden", dataDir, { ...process.env, WARDEN_ADMIN_TOKEN: TOKEN });
  const rounds = { quiet: [] as LoadRound[], promotion: [] as LoadRound[], rollback: [] as LoadRound[] };
  const pooled = { quiet: [] as number[], promotion: [] as number[], rollback: [] as number[] };
  const calls = { promotion: [] as number[], rollback: [] as number[] };
  const paced = (seconds: number): Promise<LoadOutcome> => client.run({ kind: "paced", url: child.url, bodies, seconds, rate, connections: PACED_CONNECTIONS });
  const timedAdmin = async (path: string): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${child.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, connection: "close" } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return performance.now() - t0;
  };
  try {
    await paced(3); // warm-up at this rate, not measured
    for (const candidate of candidates) {
      rounds.quiet.push(roundOf(rate, await paced(PROMOTION_ROUND_SECONDS), pooled.quiet));
      for (const [kind, path] of [["promotion", `/v1/admin/models/${candidate}/promote`], ["rollback", "/v1/admin/models/rollback"]] as const) {
        const [outcome, ms] = await Promise.all([paced(PROMOTION_ROUND_SECONDS), timedAdmin(path)]);
        rounds[kind].push(roundOf(rate, outcome, pooled[kind]));
        calls[kind].push(ms);
      }
    }
  } finally {
    await stopChild(child.proc);
  }
  return {
    rate,
    seconds: PROMOTION_ROUND_SECONDS,
    ...rounds,
    pooledP99Ms: { quiet: quantile(pooled.quiet, 0.99), promotion: quantile(pooled.promotion, 0.99), rollback: quantile(pooled.rollback, 0.99) },
    promoteMs: calls.promotion,
    rollbackMs: calls.rollback,
  };
}

/** `count` models as heavy as the champion: the shipped model's int8 weights, unchanged, each under a version of its own, registered in `dataDir`. */
async function registerTwins(dataDir: string, count: number, purpose: string): Promise<string[]> {
  const store = new SqliteStore(join(dataDir, "warden.db"));
  try {
    const shipped = loadDefaultModel();
    const registry = new Registry(store, dataDir);
    const versions: string[] = [];
    for (let i = 0; i < count; i++) {
      const twin = await registry.register(serializeModel(shipped.model, { ...shipped.meta, twinOf: shipped.version, purpose, twin: i }, "int8"), { bench: `${purpose} twin ${i}` });
      versions.push(twin.version);
    }
    return versions;
  } finally {
    await store.close();
  }
}

export async function measureServing(childScript: string, bodies: string[]): Promise<ServingResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-bench-serving-"));
  const client = new LoadClient();
  let child: Child | undefined;
  let floor: Child | undefined;
  try {
    const [challenger] = await registerTwins(dataDir, 1, "shadow challenger");
    child = await startChild(childScript, "warden", dataDir, { ...process.env, WARDEN_ADMIN_TOKEN: TOKEN });
    const url = child.url;
    await client.run({ kind: "capacity", url, bodies, seconds: 2, connections: 50 }); // warm-up
    const capacityRps = (await client.run({ kind: "capacity", url, bodies, seconds: 5, connections: 100 })).answersPerSecond;
    const overload: LoadRound[] = [];
    const overloadFloor: LoadRound[] = [];
    const admitted: number[] = [];
    const admittedFloor: number[] = [];
    floor = await startChild(childScript, "floor", dataDir);
    const rate = Math.round(4 * capacityRps);
    const overloadRound = (target: string): Promise<LoadOutcome> => client.run({ kind: "paced", url: target, bodies, seconds: 5, connections: OVERLOAD_CONNECTIONS, rate });
    for (let i = 0; i < OVERLOAD_ROUNDS; i++) {
      overload.push(roundOf(rate, await overloadRound(url), admitted));
      await new Promise((r) => setTimeout(r, 1000));
      overloadFloor.push(roundOf(rate, await overloadRound(floor.url), admittedFloor));
      await new Promise((r) => setTimeout(r, 1000));
    }
    await stopChild(floor.proc);
    floor = undefined;
    const quarter = Math.max(50, Math.round(capacityRps / 4));
    const shadow = await measureShadow(client, child, bodies, quarter, challenger!);
    await stopChild(child.proc);
    child = undefined;
    const coldStart = await measureColdStart(client, childScript, dataDir, bodies, quarter);
    const promotions = await measurePromotions(client, childScript, dataDir, bodies, quarter);
    return { capacityRps, overload, overloadPooledP99Ms: quantile(admitted, 0.99), overloadFloor, overloadFloorPooledP99Ms: quantile(admittedFloor, 0.99), shadow, coldStart, promotions };
  } finally {
    client.close();
    if (child) await stopChild(child.proc);
    if (floor) await stopChild(floor.proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
