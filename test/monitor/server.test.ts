/**
 * Monitoring on a real server: feedback becomes precision and recall in /v1/monitor;
 * logging never makes a request wait, even on a store that does not answer, and drops
 * are counted; kill -9 loses no accepted feedback and at most the last second of logs.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { Engine } from "../../src/engine/engine.js";
import { referenceSnapshot } from "../../src/monitor/reference.js";
import { FIXTURE_FRIENDLY, FIXTURE_INSULT, startTestServer, trainFixtureModel, withTestServing } from "../helpers/fixture.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { waitFor } from "../helpers/wait.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("GET /v1/monitor and /v1/alerts", () => {
  it("turn feedback into precision and recall beside the label-free estimate", async () => {
    const server = await startTestServer({ adminToken: "t" });
    try {
      const flagged: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        const r = (await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: i % 2 ? FIXTURE_INSULT : FIXTURE_FRIENDLY, id: `m${i}` } })).json() as Json;
        flagged.push(r.flagged);
      }
      await waitFor("the predictions logged", async () => (await server.store.getPrediction("m39")) !== null, 5);
      // Label: the insults are abusive, the friendly ones not, except every fifth (a reviewer disagreeing).
      const labels = flagged.map((_, i) => ((i % 2 === 1) !== (i % 5 === 0) ? 1 : 0));
      for (let i = 0; i < 40; i++) assert.equal((await server.app.inject({ method: "POST", url: "/v1/feedback", payload: { id: `m${i}`, label: labels[i] } })).statusCode, 202);
      const m = (await server.app.inject({ method: "GET", url: "/v1/monitor?window=15m" })).json() as Json;
      const tp = labels.filter((l, i) => l === 1 && flagged[i]).length;
      assert.equal(m.window, "15m");
      assert.equal(m.traffic.requests, 40);
      assert.equal(m.quality.feedback_n, 40);
      assert.equal(m.quality.precision, Math.round((tp / flagged.filter(Boolean).length) * 1e4) / 1e4);
      assert.equal(m.quality.recall, Math.round((tp / labels.filter((l) => l === 1).length) * 1e4) / 1e4);
      assert.equal(typeof m.quality.estimated_precision, "number");
      for (const key of ["drift", "data_quality", "latency_ms", "emerging_terms"]) assert.ok(key in m, key);
      assert.deepEqual((await server.app.inject({ method: "GET", url: "/v1/alerts" })).json(), { alerts: [] });
      assert.equal((await server.app.inject({ method: "GET", url: "/v1/monitor?window=forever" })).statusCode, 400);
      assert.equal((await server.app.inject({ method: "POST", url: "/v1/admin/monitor/reference" })).statusCode, 401);
      const pinned = await server.app.inject({ method: "POST", url: "/v1/admin/monitor/reference", headers: { authorization: "Bearer t" } });
      assert.equal(pinned.statusCode, 200);
      assert.equal((pinned.json() as Json).reference.messages, 40);
      assert.equal(((await server.app.inject({ method: "GET", url: "/v1/monitor" })).json() as Json).reference.source, "pinned");
    } finally {
      await server.close();
    }
  });
});

describe("GET /v1/monitor and the base rate", () => {
  it("estimates the traffic's share of positives beside the validation data's, and counts the label-free estimates at the base rate the policy states", async () => {
    const stated = await startTestServer({ config: { policy: { thresholds: { abusive: { baseRate: 0.05 } } } } });
    const unstated = await startTestServer();
    try {
      const abusive: Json[] = [];
      for (const server of [stated, unstated]) {
        for (let i = 0; i < 40; i++) assert.equal((await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: i % 2 ? FIXTURE_INSULT : FIXTURE_FRIENDLY } })).statusCode, 200);
        abusive.push(((await server.app.inject({ method: "GET", url: "/v1/monitor?window=15m" })).json() as Json).quality.by_category.abusive);
      }
      const [withRate, without] = abusive as [Json, Json];
      for (const q of [withRate, without]) {
        assert.ok(q.estimated_base_rate >= 0 && q.estimated_base_rate <= 1, JSON.stringify(q));
        assert.ok(q.validation_base_rate > 0 && q.validation_base_rate < 1, JSON.stringify(q));
      }
      // The same insults flagged by both; stated at 5%, each of their scores counts as the lower probability it has there.
      assert.ok(withRate.estimated_precision < without.estimated_precision, `${withRate.estimated_precision} against ${without.estimated_precision}`);
    } finally {
      await stated.close();
      await unstated.close();
    }
  });
});

describe("the prediction log never makes a request wait", () => {
  it("answers every request while the store hangs, and counts what it had to drop", async () => {
    let release = (): void => {};
    const hung = new Promise<void>((r) => (release = r));
    const server = await startTestServer({
      config: { monitoring: { logBufferSize: 50 } },
      // A store whose writes of predictions do not come back until the test lets them.
      serverStore: (store) => new Proxy(store, { get: (t, k) => (k === "insertPredictions" ? () => hung : Reflect.get(t, k, t)) }) as Store,
    });
    try {
      for (let i = 0; i < 300; i++) assert.equal((await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: `message ${i}` } })).statusCode, 200);
      const metrics = (await server.app.inject({ method: "GET", url: "/metrics" })).body;
      const dropped = Number(/^warden_prediction_log_dropped_total (\d+)/m.exec(metrics)?.[1]);
      assert.ok(dropped >= 200, `dropped ${dropped} of 300 with a buffer of 50`);
    } finally {
      release();
      await server.close();
    }
  });
});

describe("kill -9 of the server", () => {
  it("loses no accepted feedback and at most the last second of prediction logs", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "warden-kill9-"));
    const config = join(dataDir, "config.json");
    writeFileSync(config, JSON.stringify(withTestServing({ monitoring: { logFlushMs: 250 } })));
    const child = spawn(process.execPath, ["bin/warden.js", "serve", "--port", "0", "--data-dir", dataDir, "--config", config], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      await waitFor("the server listening", async () => /listening at (http:\/\/127\.0\.0\.1:\d+)/.test(out), 20);
      const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      const post = (path: string, body: Json): Promise<Response> => fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      for (let i = 0; i < 50; i++) assert.equal((await post("/v1/classify", { text: `old message ${i}`, id: `old-${i}` })).status, 200);
      for (let i = 0; i < 50; i++) assert.equal((await post("/v1/feedback", { id: `old-${i}`, label: i % 2 })).status, 202);
      await new Promise((r) => setTimeout(r, 1100));
      for (let i = 0; i < 20; i++) await post("/v1/classify", { text: `new message ${i}`, id: `new-${i}` });
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const store = new SqliteStore(join(dataDir, "warden.db"));
      try {
        const feedback = await store.listFeedback(1000);
        assert.equal(feedback.length, 50, "every 202 is in the store");
        for (let i = 0; i < 50; i++) assert.ok(await store.getPrediction(`old-${i}`), `old-${i} was logged more than a second before the kill`);
      } finally {
        await store.close();
      }
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the monitoring reference", () => {
  it("is the served model's validation data when the registry keeps it, and follows a promotion", async () => {
    const server = await startTestServer({ adminToken: "t" });
    const dir = mkdtempSync(join(tmpdir(), "warden-reference-"));
    try {
      assert.equal(((await server.app.inject({ method: "GET", url: "/v1/monitor" })).json() as Json).reference.source, "none");
      const second = await server.registry.register((await trainFixtureModel(dir, { seed: 4 })).artifact, { fixture: true });
      const engine = new Engine(await server.registry.load(second.version), server.config.policy);
      server.registry.storeReference(second.version, referenceSnapshot(engine, [FIXTURE_INSULT, FIXTURE_FRIENDLY, "hello there", "you are so kind"]));
      assert.equal((await server.app.inject({ method: "POST", url: `/v1/admin/models/${second.version}/promote`, headers: { authorization: "Bearer t" } })).statusCode, 200);
      const m = (await server.app.inject({ method: "GET", url: "/v1/monitor" })).json() as Json;
      assert.deepEqual(m.reference, { source: "model", messages: 4 });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
