/**
 * Section 7 of `npm run bench`: `warden worker` on Redis Streams (loopback) against the
 * same engine classifying the same messages in process, one core each. The worker's
 * rate is taken from the Redis server's own clock: the entry ids of its first and last
 * answers in the output stream (start-up and model load excluded).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Engine } from "../src/engine/engine.js";
import { nowNs } from "./stats.js";

export interface WorkerBenchResult {
  readonly messages: number;
  readonly batch: number;
  readonly inProcessPerSec: number;
  readonly workerPerSec: number;
}

const REDIS_URL = process.env.WARDEN_BENCH_REDIS ?? "redis://127.0.0.1:6379";
const BATCH = 256;

const entryMs = (id: string): number => Number(id.split("-")[0]);

export async function measureWorker(root: string, engine: Engine, texts: readonly string[], messages = 30_000): Promise<WorkerBenchResult> {
  const work = Array.from({ length: messages }, (_, i) => texts[i % texts.length]!);
  const t0 = nowNs();
  for (const t of work) engine.classify(t);
  const inProcessPerSec = messages / ((nowNs() - t0) / 1e9);

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `warden-bench-${randomUUID()}`;
  const stream = `${prefix}:in`;
  const out = `${prefix}:out`;
  try {
    for (let i = 0; i < messages; i += 5000) {
      const p = redis.pipeline();
      for (let k = i; k < Math.min(messages, i + 5000); k++) p.xadd(stream, "*", "id", `m${k}`, "text", work[k]!);
      await p.exec();
    }
    const child = spawn(process.execPath, [join(root, "bin/warden.js"), "worker", "--redis", REDIS_URL, "--stream", stream, "--group", "bench", "--out-stream", out, "--batch", String(BATCH), "--block-ms", "100"], { stdio: "ignore" });
    try {
      const deadline = Date.now() + 300_000;
      while ((await redis.xlen(out)) < messages) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the worker answered ${await redis.xlen(out)} of ${messages} messages`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    }
    const [[firstId]] = (await redis.xrange(out, "-", "+", "COUNT", 1)) as Array<[string, string[]]>;
    const [[lastId]] = (await redis.xrevrange(out, "+", "-", "COUNT", 1)) as Array<[string, string[]]>;
    // The first answers arrive together with the first batch: count from its end.
    const seconds = Math.max(0.001, (entryMs(lastId!) - entryMs(firstId!)) / 1000);
    return { messages, batch: BATCH, inProcessPerSec, workerPerSec: (messages - BATCH) / seconds };
  } finally {
    await redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('UNLINK', k) end return 0", 0, `warden:answered:${out}:*`);
    await redis.unlink(stream, out);
    redis.disconnect();
  }
}
