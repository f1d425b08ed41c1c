/**
 * Experiments on real servers: the admin API, sticky arms across a restart and across
 * two replicas sharing one store, feedback joined per arm, the latency guardrail sending
 * traffic back to the champion, a stop made with the CLI reaching the server.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { parseConfig } from "../../src/config.js";
import { assignArm } from "../../src/experiments/assign.js";
import { Engine } from "../../src/engine/engine.js";
import { Registry } from "../../src/registry/registry.js";
import { EngineSlot, buildServer } from "../../src/server/app.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { FIXTURE_INSULT, startTestServer, trainFixtureModel, type TestServer, withTestServing } from "../helpers/fixture.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "experiment-token";
const auth = { authorization: `Bearer ${TOKEN}` };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A second server on the same data dir and store file: another replica (or the same one restarted). */
async function replica(server: TestServer): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const store = new SqliteStore(join(server.dataDir, "warden.db"));
  const registry = new Registry(store, server.dataDir);
  const config = parseConfig(withTestServing(), "test config");
  const loadEngine = async (version?: string): Promise<Engine> => new Engine(await registry.load(version), config.policy);
  const { app } = await buildServer({ slot: new EngineSlot(await loadEngine()), store, registry, config, adminToken: TOKEN, logger: false, loadEngine });
  return {
    app,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

async function classify(app: FastifyInstance, body: Json): Promise<Json> {
  const res = await app.inject({ method: "POST", url: "/v1/classify", payload: body });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Json;
}

const start = (app: FastifyInstance, body: Json) => app.inject({ method: "POST", url: "/v1/admin/experiments", headers: auth, payload: body });
const status = async (app: FastifyInstance, name: string): Promise<Json> => (await app.inject({ method: "GET", url: `/v1/admin/experiments/${name}`, headers: auth })).json() as Json;
const stop = (app: FastifyInstance, name: string) => app.inject({ method: "POST", url: `/v1/admin/experiments/${name}/stop`, headers: auth });

describe("experiments on a real server", () => {
  let server: TestServer;
  let challenger: string;
  let fixtureDir: string;
  before(async () => {
    server = await startTestServer({ adminToken: TOKEN });
    fixtureDir = mkdtempSync(join(tmpdir(), "warden-challenger-"));
    challenger = (await server.registry.register((await trainFixtureModel(fixtureDir, { seed: 2 })).artifact, { fixture: true, seed: 2 })).version;
  });
  after(async () => {
    await server.close();
    rmSync(fixtureDir, { recursive: true, force: true });
  });

  it("refuses bad starts with reasons: admin token, unknown model, the champion itself, bad mode or traffic", async () => {
    assert.equal((await server.app.inject({ method: "POST", url: "/v1/admin/experiments", payload: { name: "x", challenger, mode: "ab" } })).statusCode, 401);
    const cases: Array<[Json, number, RegExp]> = [
      [{ name: "x", challenger: "m-000000000000", mode: "ab" }, 404, /no registered model/],
      [{ name: "x", challenger: server.version, mode: "ab" }, 400, /already the champion/],
      [{ name: "x", challenger, mode: "canary" }, 400, /"mode"/],
      [{ name: "x", challenger, mode: "ab", traffic: 1.5 }, 400, /"traffic"/],
      [{ name: "bad name!", challenger, mode: "ab" }, 400, /"name"/],
      [{ name: "x", challenger, mode: "ab", guardrails: { maxP99: 3 } }, 400, /unknown guardrail/],
    ];
    for (const [body, code, message] of cases) {
      const res = await start(server.app, body);
      assert.equal(res.statusCode, code, res.body);
      assert.match((res.json() as Json).error.message, message);
    }
  });

  it("splits users stickily between the arms, across a restart and a second replica, and joins feedback per arm", async () => {
    const res = await start(server.app, { name: "sticky", challenger, mode: "ab", traffic: 0.5 });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await start(server.app, { name: "other", challenger, mode: "ab" })).statusCode, 409, "one experiment at a time");
    const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    const arms = new Map<string, string>();
    for (const user of users) {
      const r = await classify(server.app, { text: FIXTURE_INSULT, user });
      assert.equal(r.model, r.arm === "challenger" ? challenger : server.version);
      arms.set(user, r.arm as string);
      assert.equal((await server.app.inject({ method: "POST", url: "/v1/feedback", payload: { id: r.id, label: 1 } })).statusCode, 202);
    }
    assert.ok(new Set(arms.values()).size === 2, "both arms answer someone");
    const other = await replica(server);
    try {
      for (const user of users) assert.equal((await classify(other.app, { text: "hello there", user })).arm, arms.get(user), `${user} keeps the arm`);
    } finally {
      await other.close();
    }
    const s = await status(server.app, "sticky");
    assert.equal(s.state, "running");
    const byArm = Object.fromEntries((s.arms as Json[]).map((a) => [a.arm, a]));
    const challengerUsers = [...arms.values()].filter((a) => a === "challenger").length;
    assert.equal(byArm.challenger.requests, challengerUsers);
    assert.equal(byArm.champion.requests, users.length - challengerUsers);
    assert.equal(byArm.champion.feedback.n + byArm.challenger.feedback.n, users.length);
    assert.ok(typeof s.summary === "string" && s.summary.length > 20);
    assert.equal((await stop(server.app, "sticky")).statusCode, 200);
    assert.equal((await classify(server.app, { text: FIXTURE_INSULT, user: "user-0" })).arm, undefined, "no arm once stopped");
  });

  it("flags a biased split with the sample-ratio check and will not conclude while it lasts", async () => {
    assert.equal((await start(server.app, { name: "biased", challenger, mode: "ab", traffic: 0.5 })).statusCode, 201);
    // A broken router: nine users in ten it sends are ones the hash puts on the champion.
    const users = Array.from({ length: 4000 }, (_, i) => `b-${i}`);
    const onChampion = users.filter((u) => assignArm("biased", u, 0.5) === "champion");
    const onChallenger = users.filter((u) => assignArm("biased", u, 0.5) === "challenger");
    const stream = [...onChampion.slice(0, 540), ...onChallenger.slice(0, 60)];
    for (const user of stream) await classify(server.app, { text: "hello", user });
    const s = await status(server.app, "biased");
    assert.ok(s.srm_p < 0.001, `srm_p ${s.srm_p}`);
    assert.equal(s.decision, "continue");
    assert.match(s.summary, /split is off/);
    assert.equal((await stop(server.app, "biased")).statusCode, 200);
  });

  it("stops a challenger that breaks the latency guardrail and sends everyone back to the champion", async () => {
    // A challenger slower than its limit: here the limit is 0 ms, so any answer breaks it.
    const res = await start(server.app, { name: "slow", challenger, mode: "ab", traffic: 1, guardrails: { maxP99Ms: 0, maxP99Ratio: 0, minRequests: 25 } });
    assert.equal(res.statusCode, 201, res.body);
    let firstChampion = -1;
    for (let i = 0; i < 60 && firstChampion < 0; i++) {
      const r = await classify(server.app, { text: FIXTURE_INSULT, user: `u${i}` });
      if (r.model === server.version) firstChampion = i;
    }
    assert.ok(firstChampion >= 25 && firstChampion <= 26, `back on the champion after ${firstChampion} requests`);
    const s = await status(server.app, "slow");
    assert.equal(s.state, "stopped");
    assert.match(s.decision, /^stopped: p99 latency/);
    await waitFor("the stop is in the store", async () => (await server.store.getExperiment("slow"))?.state === "stopped", 5);
  });

  it("runs a shadow challenger off the response path, never answering, and obeys a stop from the CLI", async () => {
    assert.equal((await start(server.app, { name: "shadow", challenger, mode: "shadow" })).statusCode, 201);
    for (let i = 0; i < 40; i++) {
      const r = await classify(server.app, { text: i % 2 ? FIXTURE_INSULT : "have a nice day" });
      assert.equal(r.model, server.version);
      assert.equal(r.arm, "champion");
    }
    await waitFor("the shadow scores", async () => ((await status(server.app, "shadow")).arms as Json[])[1]!.requests === 40, 5);
    const s = await status(server.app, "shadow");
    assert.equal(typeof s.arms[1].disagreement, "number");
    execFileSync(process.execPath, [join(REPO_ROOT, "bin/warden.js"), "experiment", "stop", "shadow", "--data-dir", server.dataDir]);
    await waitFor("the server sees the CLI stop", async () => (await classify(server.app, { text: "hi" })).arm === undefined, 5);
    const cli = JSON.parse(execFileSync(process.execPath, [join(REPO_ROOT, "bin/warden.js"), "experiment", "status", "shadow", "--data-dir", server.dataDir]).toString()) as Json;
    assert.equal(cli.state, "stopped");
    // The requests made while waiting for the stop were shadowed too, and copies in the
    // shadow process may finish after the snapshot: the CLI's figures trail the live ones.
    assert.ok(cli.arms[1].requests >= 40);
    assert.ok(cli.arms[1].requests <= ((await status(server.app, "shadow")).arms as Json[])[1]!.requests);
  });

  it("sends to review what the champion allowed and the shadow challenger flags, though the answer was written before the challenger's verdict", async () => {
    // No random or near-threshold draws: a message is in the queue only for the disagreement.
    const own = await startTestServer({ adminToken: TOKEN, config: { review: { randomShare: 0, uncertainShare: 0 } } });
    try {
      const other = (await own.registry.register((await trainFixtureModel(fixtureDir, { seed: 2 })).artifact, { fixture: true, seed: 2 })).version;
      const [champion, rival] = [own.context.slot.current, new Engine(await own.registry.load(other), own.config.policy)];
      const words = ["idiot", "kind", "stupid", "lovely", "you", "are", "shut", "up", "thank", "day", "loser", "helpful", "what", "a", "nobody", "likes"];
      const texts = words.flatMap((w1) => words.flatMap((w2) => ["you", "so", "a"].map((w0) => `${w0} ${w1} ${w2}`)));
      const disputed = texts.filter((t) => !champion.classify(t).flagged && rival.classify(t).flagged);
      assert.ok(disputed.length > 0, "the two fixture models flag some message differently");
      assert.equal((await start(own.app, { name: "shadow-review", challenger: other, mode: "shadow" })).statusCode, 201);
      const ids: string[] = [];
      for (const text of disputed) {
        ids.push((await classify(own.app, { text })).id);
        await own.context.predictionLog.flush(); // in the store before the copy even leaves for the challenger
      }
      await waitFor("the shadow scores", async () => ((await status(own.app, "shadow-review")).arms as Json[])[1]!.requests === disputed.length, 10);
      await own.context.predictionLog.flush();
      const queued = new Map((await own.store.listReviewQueue(1000)).map((p) => [p.id, p]));
      for (const [k, id] of ids.entries()) {
        assert.equal(queued.get(id)?.review, "disagreement", disputed[k]);
        assert.equal(queued.get(id)?.text, disputed[k]);
      }
      assert.match((await own.app.inject({ method: "GET", url: "/metrics" })).body, /^warden_review_marks_missed_total 0$/m);
    } finally {
      await own.close();
    }
  });
});
