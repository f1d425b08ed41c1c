/**
 * Serving under a budget: the rules stage, deadlines, the fallback, the circuit breaker
 * and load shedding, on real servers and the real cascade (the failing stages are real
 * stages that throw or never answer, around the real fixture model).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connect, type Socket } from "node:net";
import { parseConfig } from "../../src/config.js";
import { Cascade, type ModelStage } from "../../src/engine/cascade.js";
import { Engine } from "../../src/engine/engine.js";
import { RulesStage } from "../../src/engine/rules.js";
import { MIN_TURN_REQUESTS } from "../../src/server/shedding.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { FIXTURE_INSULT, fixtureArtifact, startListeningTestServer, startTestServer } from "../helpers/fixture.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const engine = new Engine({ version: "m-fixture00000", model: deserializeModel(fixtureArtifact(), "fixture").model }, parseConfig({}, "test").policy);
const budget = (deadlineMs = 200) => ({ deadlineMs, startedAt: performance.now() });

describe("the rules stage", () => {
  it("answers before the model, on normalized text, with the matched span of the text as sent", async () => {
    const server = await startTestServer({ config: { serving: { rules: { block: ["scumbag"], allow: ["idiot sandwich"], blockPatterns: ["\\bbuy now\\b"] } } } });
    try {
      const classify = async (text: string): Promise<Json> => (await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text } })).json() as Json;
      const text = "you s.c.u.m.b.a.g!";
      const blocked = await classify(text);
      assert.equal(blocked.stage, "rules");
      assert.equal(blocked.action, "block");
      assert.equal(blocked.explanation[0].text, "s.c.u.m.b.a.g");
      assert.equal(text.slice(blocked.explanation[0].start, blocked.explanation[0].end), "s.c.u.m.b.a.g");
      assert.match(blocked.reason, /block list \(rule "scumbag"\)/);
      const allowed = await classify("what an IDIOT SANDWICH, love that show");
      assert.equal(allowed.stage, "rules");
      assert.equal(allowed.action, "allow");
      assert.equal((await classify("BUY NOW cheap pills")).action, "block");
      assert.equal((await classify("a normal friendly message")).stage, "linear", "no rule: the model answers");
    } finally {
      await server.close();
    }
  });

  it("hands the model the reading it matched against: with rules that do not match, every answer is the one given without rules", async () => {
    const noRules = new Cascade(new RulesStage({ allow: [], block: [], allowPatterns: [], blockPatterns: [] }), { fallbackAction: "allow", breaker: { failures: 5, cooldownMs: 1000 } });
    const rules = new Cascade(new RulesStage({ allow: ["zzqx"], block: ["qqzx wwzx"], allowPatterns: [], blockPatterns: ["^xxq+$"] }), { fallbackAction: "allow", breaker: { failures: 5, cooldownMs: 1000 } });
    const reads: string[] = [];
    const counted: ModelStage = { version: engine.version, model: engine.model, read: (t, withMap) => (reads.push(t), engine.read(t, withMap)), classify: (t, o) => engine.classify(t, o) };
    for (const text of [FIXTURE_INSULT, "a normal friendly message", "y0u 4re a c.l.o.w.n", ""]) {
      for (const explain of [undefined, "flagged", true] as const) {
        const want = await noRules.classify(engine, text, { ...budget(1e6), ...(explain ? { explain } : {}) });
        const got = await rules.classify(counted, text, { ...budget(1e6), ...(explain ? { explain } : {}) });
        assert.deepEqual(got, want, `${JSON.stringify(text)}, explain ${explain}`);
      }
    }
    assert.equal(reads.length, 12, "the rules stage read each message once");
  });

  it("does not answer from a reading of another text", () => {
    const other = engine.read("a normal friendly message");
    assert.deepEqual(engine.classify(FIXTURE_INSULT, { reading: other, explain: true }), engine.classify(FIXTURE_INSULT, { explain: true }));
  });

  it("refuses a bad rule with a message naming it", () => {
    assert.throws(() => new RulesStage({ allow: [], block: [], allowPatterns: [], blockPatterns: ["(unclosed"] }), /blockPatterns: "\(unclosed" is not a valid regular expression/);
    assert.throws(() => new RulesStage({ allow: ["\u200b"], block: [], allowPatterns: [], blockPatterns: [] }), /allow: the term .* is empty once normalized/);
  });
});

describe("deadlines and the fallback", () => {
  it("answers degraded from the fallback when the budget cannot fit the model, and counts it", async () => {
    const server = await startTestServer();
    try {
      const r = (await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: FIXTURE_INSULT, deadline_ms: 0.0001 } })).json() as Json;
      assert.equal(r.degraded, true);
      assert.equal(r.stage, "fallback");
      assert.equal(r.action, "allow");
      assert.match(r.reason, /could not answer \(deadline\)/);
      const ok = (await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: FIXTURE_INSULT } })).json() as Json;
      assert.equal(ok.degraded, false);
      const metrics = (await server.app.inject({ method: "GET", url: "/metrics" })).body;
      assert.match(metrics, /warden_degraded_total\{reason="deadline"\} 1/);
    } finally {
      await server.close();
    }
  });

  it("answers degraded when the model stage throws, opens the breaker, and recovers through a probe", async () => {
    let calls = 0;
    let broken = true;
    const flaky: ModelStage = {
      version: engine.version,
      model: engine.model,
      read: (text, withMap) => engine.read(text, withMap),
      classify: (text, options) => {
        calls++;
        if (broken) throw new Error("the model stage failed");
        return engine.classify(text, options);
      },
    };
    const reasons: string[] = [];
    const cascade = new Cascade(new RulesStage({ allow: [], block: [], allowPatterns: [], blockPatterns: [] }), { fallbackAction: "review", breaker: { failures: 3, cooldownMs: 50 } }, (r) => reasons.push(r));
    for (let i = 0; i < 3; i++) {
      const r = await cascade.classify(flaky, FIXTURE_INSULT, budget());
      assert.equal(r.degraded, true);
      assert.equal(r.action, "review", "the configured fallback action");
    }
    assert.equal(cascade.breaker.state, "open");
    for (let i = 0; i < 5; i++) await cascade.classify(flaky, FIXTURE_INSULT, budget());
    assert.equal(calls, 3, "an open breaker does not call the failing stage");
    assert.deepEqual(reasons, ["model error", "model error", "model error", "circuit open", "circuit open", "circuit open", "circuit open", "circuit open"]);
    broken = false;
    await new Promise((r) => setTimeout(r, 60));
    const probe = await cascade.classify(flaky, FIXTURE_INSULT, budget());
    assert.equal(probe.degraded, false, "the probe reached the recovered stage");
    assert.equal(cascade.breaker.state, "closed");
  });

  it("answers degraded at the deadline when the model stage never answers", async () => {
    const hanging: ModelStage = { version: engine.version, model: engine.model, read: (text, withMap) => engine.read(text, withMap), classify: () => new Promise(() => {}) };
    const cascade = new Cascade(new RulesStage({ allow: [], block: [], allowPatterns: [], blockPatterns: [] }), { fallbackAction: "allow", breaker: { failures: 5, cooldownMs: 1000 } });
    const r = await cascade.classify(hanging, FIXTURE_INSULT, budget(30));
    assert.equal(r.degraded, true);
    assert.match(r.reason!, /deadline/);
  });
});

describe("load shedding", () => {
  it("answers 503 with Retry-After at once while the event loop is behind, and recovers", async () => {
    const server = await startTestServer({ config: { serving: { maxEventLoopDelayMs: 20, retryAfterSeconds: 2 } } });
    try {
      // Real overload: the loop is kept busy 40 ms out of every 50.
      const busy = setInterval(() => {
        const until = performance.now() + 40;
        while (performance.now() < until);
      }, 10);
      await new Promise((r) => setTimeout(r, 200));
      const shed = await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: FIXTURE_INSULT } });
      clearInterval(busy);
      assert.equal(shed.statusCode, 503);
      assert.equal(shed.headers["retry-after"], "2");
      assert.equal((shed.json() as Json).error.code, "OVERLOADED");
      assert.equal((await server.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200, "health is never shed");
      await new Promise((r) => setTimeout(r, 150));
      assert.equal((await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: FIXTURE_INSULT } })).statusCode, 200);
      assert.match((await server.app.inject({ method: "GET", url: "/metrics" })).body, /warden_shed_total\{reason="event loop"\} [1-9]/);
    } finally {
      await server.close();
    }
  });
});

describe("batches and other clients", () => {
  it("goes back to the event loop between a batch's texts, so other requests are not held behind a long batch", async () => {
    const server = await startTestServer();
    try {
      // Each text the engine classifies, and a callback queued on the event loop when the first one is.
      const events: string[] = [];
      const engine = server.context.slot.current;
      const classify = engine.classify.bind(engine);
      engine.classify = (text, options) => {
        if (events.length === 0) setImmediate(() => events.push("event loop"));
        events.push("text");
        return classify(text, options);
      };
      const res = await server.app.inject({ method: "POST", url: "/v1/classify", payload: { texts: Array.from({ length: 8 }, (_, i) => `${FIXTURE_INSULT} ${i}`) } });
      assert.equal(res.statusCode, 200);
      assert.equal((res.json() as Json).results.length, 8);
      assert.deepEqual(events.slice(0, 3), ["text", "event loop", "text"], events.join(", "));
    } finally {
      await server.close();
    }
  });
});

describe("load shedding by queue time", () => {
  /** `texts.length` requests written at once on as many open connections: the server reads them in one turn. Their answers, raw. */
  async function burst(url: string, texts: readonly string[]): Promise<string[]> {
    const { port } = new URL(url);
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < texts.length; i++) sockets.push(await new Promise<Socket>((resolve, reject) => connect(Number(port), "127.0.0.1", function (this: Socket) { resolve(this); }).on("error", reject)));
      const answers = sockets.map((socket) => new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          if (/\r\n\r\n[\s\S]*\}$/.test(text)) resolve(text);
        });
      }));
      sockets.forEach((socket, i) => {
        const body = JSON.stringify({ text: texts[i] });
        socket.write(`POST /v1/classify HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      return await Promise.all(answers);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }
  const status = (r: string): number => Number(r.slice(9, 12));

  it("sheds the rest of an event-loop turn once the turn has worked past serving.maxQueueMs, and admits again in the next", async () => {
    const server = await startListeningTestServer({ config: { serving: { maxQueueMs: 1 } } });
    try {
      const responses = await burst(server.url, Array.from({ length: 60 }, (_, i) => `${FIXTURE_INSULT} ${i}`));
      const codes = responses.map(status);
      assert.deepEqual([...new Set(codes)].sort(), [200, 503], `the burst was partly admitted, partly shed: ${codes.join(" ")}`);
      assert.ok(codes.filter((c) => c === 200).length >= MIN_TURN_REQUESTS, `a turn's first ${MIN_TURN_REQUESTS} requests are admitted`);
      for (const r of responses.filter((x) => status(x) === 503)) {
        assert.match(r, /retry-after: 1/i);
        assert.match(r, /waited over \d+ ms/);
      }
      assert.equal((await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text: FIXTURE_INSULT } })).statusCode, 200, "a new turn admits again");
      assert.match((await server.app.inject({ method: "GET", url: "/metrics" })).body, /warden_shed_total\{reason="queue"\} [1-9]/);
    } finally {
      await server.close();
    }
  });

  it("admits every request of a turn with few requests, however long they made it (a pause is not overload)", async () => {
    const server = await startListeningTestServer({ config: { serving: { maxQueueMs: 1 } } });
    try {
      // Ten long messages take well over 1 ms together: the queue rule alone would shed nine.
      const long = (i: number): string => `${FIXTURE_INSULT} ${i} `.repeat(120).slice(0, 1900);
      const codes = (await burst(server.url, Array.from({ length: 10 }, (_, i) => long(i)))).map(status);
      assert.deepEqual(codes, Array(10).fill(200));
    } finally {
      await server.close();
    }
  });
});

describe("GET /docs/openapi.json", () => {
  it("describes every route of the contract from the route schemas", async () => {
    const server = await startTestServer();
    try {
      const res = await server.app.inject({ method: "GET", url: "/docs/openapi.json" });
      assert.equal(res.statusCode, 200);
      const doc = res.json() as Json;
      assert.match(doc.openapi, /^3\./);
      for (const path of ["/v1/classify", "/v1/feedback", "/healthz", "/readyz", "/metrics", "/v1/monitor", "/v1/alerts", "/v1/admin/models", "/v1/admin/models/{version}/promote", "/v1/admin/models/rollback", "/v1/admin/experiments", "/v1/admin/experiments/{name}", "/v1/admin/experiments/{name}/stop"]) {
        assert.ok(doc.paths[path], `${path} is documented`);
      }
      const classify = doc.paths["/v1/classify"].post;
      assert.ok(classify.requestBody.content["application/json"].schema.properties.deadline_ms);
      assert.ok(classify.responses["503"], "the shed answer is documented");
      assert.deepEqual(doc.components.securitySchemes.bearer, { type: "http", scheme: "bearer", description: "WARDEN_ADMIN_TOKEN" });
    } finally {
      await server.close();
    }
  });
});
