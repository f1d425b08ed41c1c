/**
 * `warden worker` on the machine's real Redis: 5,000 messages through one consumer
 * group, two workers, one killed with kill -9 mid-stream and a third started: every
 * message is answered exactly once.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { fieldsOf } from "../../src/worker/stream-worker.js";
import { REDIS_URL, redisSkip } from "../helpers/services.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { waitFor } from "../helpers/wait.js";

const skip = await redisSkip();
const MESSAGES = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("warden worker on Redis Streams", { skip }, () => {
  let redis: Redis;
  const prefix = `warden-test-${randomUUID()}`;
  const stream = `${prefix}:in`;
  const out = `${prefix}:out`;
  const group = "classifiers";
  const children: ChildProcess[] = [];

  before(async () => {
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    const keys = await redis.keys(`warden:answered:${out}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.del(stream, out);
    redis.disconnect();
  });

  function worker(name: string, extra: string[] = []): ChildProcess {
    const args = ["bin/warden.js", "worker", "--redis", REDIS_URL, "--stream", stream, "--group", group, "--out-stream", out, "--consumer", name, "--batch", "50", "--block-ms", "100", ...extra];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL" && signal !== "SIGTERM") console.log(`# worker ${name} exited ${code}: ${stderr}`);
    });
    children.push(child);
    return child;
  }

  it("answers 5,000 messages exactly once although a worker is killed with kill -9 mid-stream", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < MESSAGES; i++) pipeline.xadd(stream, "*", "id", `msg-${i}`, "text", i % 2 ? `you are an idiot number ${i}` : `have a nice day number ${i}`);
    await pipeline.exec();
    // Slowed down so that the kill lands mid-stream; entries wait for the rate while pending.
    const slow = ["--max-rate", "1500", "--claim-idle-ms", "1000"];
    const a = worker("a", slow);
    const b = worker("b", slow);
    const pendingOf = async (name: string): Promise<number> =>
      Number(((await redis.xinfo("CONSUMERS", stream, group)) as Array<Array<string | number>>).map(fieldsOf).find((c) => c.name === name)?.pending ?? 0);
    await waitFor("the first answers", async () => (await redis.xlen(out)) >= 600, 30);
    // Kill it while it holds a batch it has read but not answered.
    await waitFor("worker a holding a batch", async () => (await pendingOf("a")) > 0, 10);
    a.kill("SIGKILL");
    await new Promise((r) => a.once("exit", r));
    const pendingOfA = await pendingOf("a");
    assert.ok(pendingOfA > 0, `the killed worker held unacknowledged entries (${pendingOfA})`);
    assert.ok((await redis.xlen(out)) < MESSAGES, "killed mid-stream, not after the end");
    worker("c", slow);
    await waitFor("every message answered and acknowledged", async () => (await redis.xlen(out)) >= MESSAGES && Number(((await redis.xpending(stream, group)) as unknown[])[0]) === 0, 60);
    b.kill("SIGTERM");
    await sleep(300);
    const answers = (await redis.xrange(out, "-", "+")) as Array<[string, string[]]>;
    const ids = answers.map(([, f]) => f[f.indexOf("id") + 1]!);
    assert.equal(ids.length, MESSAGES, "no message answered twice");
    assert.equal(new Set(ids).size, MESSAGES, "every message answered");
    const sample = JSON.parse(answers[1]![1][answers[1]![1].indexOf("result") + 1]!) as { flagged: boolean; model: string };
    assert.equal(typeof sample.flagged, "boolean");
  });
});
