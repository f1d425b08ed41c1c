/**
 * HTTP: the real Warden server against a bare Fastify "floor" (same JSON body parsing,
 * small answer, no model), each in its own child process, loaded by autocannon from
 * this process. Rounds alternate floor / Warden so drift on a shared machine hits both.
 */
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { mean } from "./stats.js";

export type ServerKind = "floor" | "warden";

export interface Round {
  readonly server: ServerKind;
  readonly round: number;
  readonly seconds: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** CPU cores the server process used on average during the round (null off Linux). */
  readonly serverCores: number | null;
  /** CPU cores this (autocannon's) process used on average during the round. */
  readonly clientCores: number;
}

export interface HttpSummary {
  readonly server: ServerKind;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCores: number | null;
}

export interface HttpResult {
  readonly rounds: Round[];
  readonly floor: HttpSummary;
  readonly warden: HttpSummary;
  readonly connections: number;
  readonly roundSeconds: number;
  readonly bodies: number;
}

export interface Child {
  readonly kind: ServerKind;
  readonly proc: ChildProcess;
  readonly url: string;
}

const CLK_TCK = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** utime + stime of a process in seconds, from /proc (null when unavailable). */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return null;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function startChild(script: string, kind: ServerKind, dataDir: string, env: NodeJS.ProcessEnv = process.env, configPath?: string): Promise<Child> {
  const proc = fork(script, kind === "warden" ? [kind, dataDir, ...(configPath ? [configPath] : [])] : [kind], { stdio: ["ignore", "ignore", "inherit", "ipc"], env });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${kind} server did not start within 60 s`));
    }, 60_000);
    proc.once("message", (message) => {
      clearTimeout(timer);
      const m = message as { type?: string; url?: string };
      if (m.type === "ready" && m.url) {
        resolve({ kind, proc, url: m.url });
      } else {
        proc.kill("SIGKILL");
        reject(new Error(`${kind} server sent ${JSON.stringify(m)}`));
      }
    });
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited before it was ready (${code ?? signal})`));
    });
    proc.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Ask a child to close gracefully; SIGKILL it (by its own handle) after 15 s. */
export function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (proc.connected) proc.send("close");
    else proc.kill("SIGTERM");
  });
}

/** One request by hand before loading: the route must answer 200 with the expected shape. */
async function check(child: Child, body: string): Promise<void> {
  const res = await fetch(`${child.url}/v1/classify`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const json = (await res.json()) as Record<string, unknown>;
  const ok = res.status === 200 && (child.kind === "floor" ? json.ok === true : typeof json.score === "number");
  if (!ok) throw new Error(`${child.kind} /v1/classify answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
}

async function load(child: Child, bodies: string[], seconds: number, connections: number, round: number): Promise<Round> {
  const cpu0 = processCpuSeconds(child.proc.pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon({
    url: child.url,
    connections,
    duration: seconds,
    requests: bodies.map((body) => ({ method: "POST" as const, path: "/v1/classify", headers: { "content-type": "application/json" }, body })),
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = processCpuSeconds(child.proc.pid);
  const own = process.cpuUsage(own0);
  return {
    server: child.kind,
    round,
    seconds: r.duration,
    requests: r.requests.total,
    // Answers, not 503s: a shed request is not served (the floor never sheds).
    rps: r["2xx"] / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    serverCores: cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / wall : null,
    clientCores: (own.user + own.system) / 1e6 / wall,
  };
}

function summarize(rounds: Round[], server: ServerKind): HttpSummary {
  const rs = rounds.filter((r) => r.server === server);
  const cores = rs.map((r) => r.serverCores).filter((c): c is number => c !== null);
  return {
    server,
    rps: mean(rs.map((r) => r.rps)),
    p50Ms: mean(rs.map((r) => r.p50Ms)),
    p99Ms: mean(rs.map((r) => r.p99Ms)),
    serverCores: cores.length === rs.length ? mean(cores) : null,
  };
}

export interface HttpOptions {
  readonly childScript: string;
  readonly bodies: string[];
  readonly rounds?: number;
  readonly roundSeconds?: number;
  readonly warmupSeconds?: number;
  readonly connections?: number;
}

export async function measureHttp(opts: HttpOptions): Promise<HttpResult> {
  const roundsN = opts.rounds ?? 2;
  const seconds = opts.roundSeconds ?? 5;
  const warmup = opts.warmupSeconds ?? 2;
  const connections = opts.connections ?? 100;
  const dataDir = mkdtempSync(join(tmpdir(), "warden-bench-http-"));
  const children: Child[] = [];
  try {
    const floor = await startChild(opts.childScript, "floor", dataDir);
    children.push(floor);
    const warden = await startChild(opts.childScript, "warden", dataDir);
    children.push(warden);
    for (const c of children) await check(c, opts.bodies[0]!);
    // Warm-up (JIT, connection pools), not counted.
    await load(floor, opts.bodies, warmup, connections, 0);
    await load(warden, opts.bodies, warmup, connections, 0);
    const rounds: Round[] = [];
    for (let i = 1; i <= roundsN; i++) {
      rounds.push(await load(floor, opts.bodies, seconds, connections, i));
      rounds.push(await load(warden, opts.bodies, seconds, connections, i));
    }
    return {
      rounds,
      floor: summarize(rounds, "floor"),
      warden: summarize(rounds, "warden"),
      connections,
      roundSeconds: seconds,
      bodies: opts.bodies.length,
    };
  } finally {
    await Promise.all(children.map((c) => stopChild(c.proc)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
