/**
 * Two servers sharing one PostgreSQL store (and one artifact directory): feedback given
 * to one joins predictions served by the other; a promotion on one is served by both
 * within 5 s; an experiment started on one runs on both; either one's monitoring adds up
 * the traffic and labels of both.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { Registry } from "../../src/registry/registry.js";
import { EngineSlot, buildServer } from "../../src/server/app.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { FIXTURE_INSULT, fixtureArtifact, withTestServing } from "../helpers/fixture.js";
import { POSTGRES_URL, postgresSkip } from "../helpers/services.js";
import { waitFor } from "../helpers/wait.js";

const skip = await postgresSkip();
const TOKEN = "replica-token";
const auth = { authorization: `Bearer ${TOKEN}` };

interface Replica {
  app: FastifyInstance;
  store: PostgresStore;
}

async function replica(url: string, dataDir: string): Promise<Replica> {
  const store = await PostgresStore.open(url);
  const registry = new Registry(store, dataDir);
  const config = parseConfig(withTestServing({ monitoring: { windowSize: 10, windowSeconds: 1, minMessages: 5 } }), "test");
  const loadEngine = async (version?: string): Promise<Engine> => new Engine(await registry.load(version), config.policy);
  const { app } = await buildServer({ slot: new EngineSlot(await loadEngine()), store, registry, config, adminToken: TOKEN, logger: false, loadEngine });
  return { app, store };
}

describe("replicas sharing one PostgreSQL store", { skip }, () => {
  const schema = `warden_replicas_${process.pid}_${Date.now()}`;
  const url = `${POSTGRES_URL}?schema=${schema}`;
  const dataDir = mkdtempSync(join(tmpdir(), "warden-replicas-"));
  let a: Replica;
  let b: Replica;
  let first: string;
  let second: string;

  before(async () => {
    const setup = await PostgresStore.open(url);
    const registry = new Registry(setup, dataDir);
    first = (await registry.register(fixtureArtifact({ seed: 1 }), { fixture: true })).version;
    second = (await registry.register(fixtureArtifact({ seed: 2 }), { fixture: true })).version;
    await registry.promote(first, "test");
    await setup.close();
    a = await replica(url, dataDir);
    b = await replica(url, dataDir);
  });
  after(async () => {
    for (const r of [a, b]) {
      await r?.app.close();
      await r?.store.close();
    }
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("joins feedback given to one replica to the prediction the other served", async () => {
    const served = (await a.app.inject({ method: "POST", url: "/v1/classify", payload: { text: FIXTURE_INSULT, id: "shared-1" } })).json() as { id: string; model: string };
    assert.equal(served.model, first);
    assert.equal((await b.app.inject({ method: "POST", url: "/v1/feedback", payload: { id: served.id, label: 1 } })).statusCode, 202);
    await waitFor("the prediction log of replica a reaching the store", async () => (await b.store.listFeedback(10)).some((f) => f.id === "shared-1" && f.prediction?.model === first), 5);
  });

  it("serves a promotion made on one replica on both within 5 s", async () => {
    const res = await a.app.inject({ method: "POST", url: `/v1/admin/models/${second}/promote`, headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    const model = async (r: Replica): Promise<string> => ((await r.app.inject({ method: "POST", url: "/v1/classify", payload: { text: "hello" } })).json() as { model: string }).model;
    assert.equal(await model(a), second);
    const ms = await waitFor("replica b serving the promoted model", async () => (await model(b)) === second, 5);
    console.log(`replica b served the promotion after ${ms} ms`);
  });

  it("runs an experiment started on one replica on the other too", async () => {
    const res = await a.app.inject({ method: "POST", url: "/v1/admin/experiments", headers: auth, payload: { name: "across", challenger: first, mode: "ab", traffic: 0.5 } });
    assert.equal(res.statusCode, 201, res.body);
    await waitFor("replica b assigning arms", async () => ((await b.app.inject({ method: "POST", url: "/v1/classify", payload: { text: "hi", user: "u1" } })).json() as { arm?: string }).arm !== undefined, 5);
    const armOn = async (r: Replica, user: string): Promise<string> => ((await r.app.inject({ method: "POST", url: "/v1/classify", payload: { text: "hi", user } })).json() as { arm: string }).arm;
    for (let i = 0; i < 20; i++) assert.equal(await armOn(a, `user-${i}`), await armOn(b, `user-${i}`));
  });

  it("adds up both replicas' traffic and labels in GET /v1/monitor, on either replica", async () => {
    // Two fresh replicas on a schema of their own: the counts start at zero.
    const own = `${schema}_monitor`;
    const setup = await PostgresStore.open(`${POSTGRES_URL}?schema=${own}`);
    const registry = new Registry(setup, dataDir);
    await registry.promote((await registry.register(fixtureArtifact({ seed: 1 }), { fixture: true })).version, "test");
    await setup.close();
    const [c, d] = [await replica(`${POSTGRES_URL}?schema=${own}`, dataDir), await replica(`${POSTGRES_URL}?schema=${own}`, dataDir)];
    try {
      type Monitor = { replicas: number; traffic: { requests: number }; quality: { feedback_n: number } };
      const monitor = async (r: Replica): Promise<Monitor> => (await r.app.inject({ method: "GET", url: "/v1/monitor?window=1h" })).json() as Monitor;
      for (let i = 0; i < 20; i++) await c.app.inject({ method: "POST", url: "/v1/classify", payload: { text: `${FIXTURE_INSULT} c${i}`, id: `mon-c-${i}` } });
      for (let i = 0; i < 30; i++) await d.app.inject({ method: "POST", url: "/v1/classify", payload: { text: `${FIXTURE_INSULT} d${i}`, id: `mon-d-${i}` } });
      // A label given to d for a message c served counts once, wherever it is asked.
      await waitFor("c's prediction log reaching the store", async () => (await d.store.getPrediction("mon-c-0")) !== null, 5);
      assert.equal((await d.app.inject({ method: "POST", url: "/v1/feedback", payload: { id: "mon-c-0", label: 1 } })).statusCode, 202);
      // Windows close after 10 messages or a second; the other replica reads closed ones from the store.
      await waitFor("both replicas counting all 50 messages and the label", async () => {
        const [mc, md] = [await monitor(c), await monitor(d)];
        return [mc, md].every((m) => m.replicas === 2 && m.traffic.requests === 50 && m.quality.feedback_n === 1);
      }, 5);
    } finally {
      for (const r of [c, d]) {
        await r.app.close();
        await r.store.close();
      }
      const pgc = new pg.Client({ connectionString: POSTGRES_URL });
      await pgc.connect();
      await pgc.query(`DROP SCHEMA IF EXISTS ${own} CASCADE`);
      await pgc.end();
    }
  });
});
