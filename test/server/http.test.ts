/**
 * The HTTP API against ../shared/CONTRACT.md, served from a small model trained on
 * generated fixture data (no ../shared needed). Requests go through Fastify's
 * in-process injection, except where the exact bytes on the wire matter.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { FIXTURE_FRIENDLY, FIXTURE_INSULT, rawRequest, startListeningTestServer, startTestServer, trainFixtureModel, type TestServer } from "../helpers/fixture.js";

type Json = Record<string, any>;

const CONTRACT_FIELDS = ["id", "score", "flagged", "action", "categories", "lang", "model", "stage", "degraded", "latency_ms", "explanation"];

function classify(app: FastifyInstance, payload: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method: "POST", url: "/v1/classify", payload: payload as Json });
}

async function classifyOk(app: FastifyInstance, payload: unknown): Promise<Json> {
  const res = await classify(app, payload);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** The status, and the contract's error body `{"error": {"code", "message"}}` with this code. */
function assertError(res: { statusCode?: number; status?: number; body: string; headers: Record<string, unknown> }, status: number, code: string | RegExp): Json {
  assert.equal(res.statusCode ?? res.status, status, res.body);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  const body = JSON.parse(res.body) as Json;
  assert.deepEqual(Object.keys(body), ["error"], res.body);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message"], res.body);
  assert.equal(typeof body.error.code, "string");
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0);
  if (typeof code === "string") assert.equal(body.error.code, code, res.body);
  else assert.match(body.error.code, code);
  return body;
}

const JSON_HEADERS = { "content-type": "application/json" };

describe("HTTP API", () => {
  let server: TestServer & { url: string };
  let app: FastifyInstance;
  before(async () => {
    server = await startListeningTestServer();
    app = server.app;
  });
  after(async () => {
    await server.close();
  });

  describe("POST /v1/classify", () => {
    it("answers a single text with every contract field, well typed", async () => {
      const r = await classifyOk(app, { text: FIXTURE_INSULT });
      for (const key of CONTRACT_FIELDS) assert.ok(key in r, `missing ${key}`);
      assert.equal(typeof r.id, "string");
      assert.ok(r.id.length > 0);
      assert.equal(typeof r.score, "number");
      assert.ok(r.score >= 0 && r.score <= 1, `score ${r.score}`);
      assert.equal(typeof r.flagged, "boolean");
      assert.ok(["allow", "review", "block"].includes(r.action), r.action);
      assert.equal(r.flagged, r.action !== "allow");
      for (const category of ["abusive", "hate", "spam"]) {
        assert.equal(typeof r.categories[category], "number", `categories.${category}`);
        assert.ok(r.categories[category] >= 0 && r.categories[category] <= 1);
      }
      assert.equal(typeof r.lang, "string");
      assert.equal(r.model, server.version);
      assert.equal(typeof r.stage, "string");
      assert.equal(r.degraded, false);
      assert.equal(typeof r.latency_ms, "number");
      assert.ok(r.latency_ms >= 0);
    });

    it("explains with spans that are slices of the text as sent", async () => {
      const text = `  ${FIXTURE_INSULT.toUpperCase()}!! `;
      const r = await classifyOk(app, { text });
      assert.ok(Array.isArray(r.explanation));
      assert.ok(r.explanation.length > 0, "an insult has at least one contributing span");
      for (const span of r.explanation) {
        assert.deepEqual(Object.keys(span).sort(), ["end", "start", "text", "weight"]);
        assert.ok(Number.isInteger(span.start) && Number.isInteger(span.end) && 0 <= span.start && span.start < span.end && span.end <= text.length);
        assert.equal(text.slice(span.start, span.end), span.text);
        assert.equal(typeof span.weight, "number");
      }
      assert.ok(r.explanation.some((s: Json) => s.text === "IDIOT" || s.text === "STUPID"), JSON.stringify(r.explanation));
    });

    it("echoes the id it was sent", async () => {
      const r = await classifyOk(app, { text: FIXTURE_FRIENDLY, id: "msg-42" });
      assert.equal(r.id, "msg-42");
    });

    it("generates a different id for each call without one", async () => {
      const a = await classifyOk(app, { text: FIXTURE_FRIENDLY });
      const b = await classifyOk(app, { text: FIXTURE_FRIENDLY });
      assert.equal(typeof a.id, "string");
      assert.ok(a.id.length > 0);
      assert.notEqual(a.id, b.id);
    });

    it("scores a fixture insult above a fixture friendly text", async () => {
      const bad = await classifyOk(app, { text: FIXTURE_INSULT });
      const good = await classifyOk(app, { text: FIXTURE_FRIENDLY });
      assert.ok(bad.score > good.score, `insult ${bad.score} <= friendly ${good.score}`);
      assert.ok(bad.categories.abusive > good.categories.abusive);
    });

    it("answers a batch in order, one result per text", async () => {
      const texts = [FIXTURE_INSULT, FIXTURE_FRIENDLY, "danke, du bist so nett", "ты идиот", "buy cheap pills now at www.deals.example"];
      const r = await classifyOk(app, { texts });
      assert.deepEqual(Object.keys(r), ["results"]);
      assert.equal(r.results.length, texts.length);
      for (let i = 0; i < texts.length; i++) {
        const single = await classifyOk(app, { text: texts[i] });
        const item = r.results[i];
        for (const key of CONTRACT_FIELDS) assert.ok(key in item, `results[${i}] misses ${key}`);
        assert.equal(item.score, single.score, `results[${i}] is not the answer for texts[${i}]`);
        assert.deepEqual(item.categories, single.categories);
        assert.equal(item.lang, single.lang);
      }
      assert.equal(new Set(r.results.map((x: Json) => x.id)).size, texts.length, "batch ids are unique");
    });

    it("accepts a text of exactly the length limit", async () => {
      const res = await classify(app, { text: "a".repeat(server.config.limits.maxTextLength) });
      assert.equal(res.statusCode, 200, res.body);
    });
  });

  describe("bad input gets a 4xx with the contract's error body", () => {
    it("malformed JSON → 400 INVALID_JSON", async () => {
      const res = await app.inject({ method: "POST", url: "/v1/classify", headers: JSON_HEADERS, payload: '{"text": "abc"' });
      assertError(res, 400, "INVALID_JSON");
    });

    it("missing text → 400", async () => {
      const body = assertError(await classify(app, { id: "x" }), 400, /^(INVALID_TEXT|BAD_REQUEST)$/);
      assert.match(body.error.message, /text/);
    });

    it("non-string text → 400 INVALID_TEXT", async () => {
      assertError(await classify(app, { text: 42 }), 400, "INVALID_TEXT");
    });

    it("empty text → 400 EMPTY_TEXT", async () => {
      assertError(await classify(app, { text: "" }), 400, "EMPTY_TEXT");
    });

    it("whitespace-only text → 400 EMPTY_TEXT", async () => {
      assertError(await classify(app, { text: " \n\t\u00a0\u3000 " }), 400, "EMPTY_TEXT");
    });

    it("invisible-only text (zero-width, BOM, bidi marks) → 400 EMPTY_TEXT", async () => {
      assertError(await classify(app, { text: "\u200b\u2060\ufeff\u200e" }), 400, "EMPTY_TEXT");
    });

    it("text over 20,000 characters → 413 TEXT_TOO_LONG naming the limit", async () => {
      const body = assertError(await classify(app, { text: "a".repeat(20_001) }), 413, "TEXT_TOO_LONG");
      assert.match(body.error.message, /20000/);
    });

    it("batch over 256 texts → 413 BATCH_TOO_LARGE naming the limit", async () => {
      const body = assertError(await classify(app, { texts: Array.from({ length: 257 }, (_, i) => `text ${i}`) }), 413, "BATCH_TOO_LARGE");
      assert.match(body.error.message, /256/);
    });

    it("content-type text/plain → 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      const res = await app.inject({ method: "POST", url: "/v1/classify", headers: { "content-type": "text/plain" }, payload: '{"text":"hello"}' });
      assertError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("a lone surrogate (as a JSON escape on the wire) → 400 INVALID_TEXT", async () => {
      const res = await rawRequest(server.url, "/v1/classify", { headers: JSON_HEADERS, body: Buffer.from('{"text":"abc\\ud800def"}', "ascii") });
      const body = assertError(res, 400, "INVALID_TEXT");
      assert.match(body.error.message, /surrogate/);
    });

    it("body over bodyLimit → 413 BODY_TOO_LARGE", async () => {
      const limit = server.config.limits.bodyLimitBytes;
      const res = await app.inject({ method: "POST", url: "/v1/classify", headers: JSON_HEADERS, payload: `{"text":"${"a".repeat(limit)}"}` });
      assertError(res, 413, "BODY_TOO_LARGE");
    });

    it("a JSON array body → 400", async () => {
      const res = await app.inject({ method: "POST", url: "/v1/classify", headers: JSON_HEADERS, payload: '["you are an idiot"]' });
      assertError(res, 400, "BAD_REQUEST");
    });

    it("unknown route → 404 NOT_FOUND", async () => {
      assertError(await app.inject({ method: "GET", url: "/v1/nope" }), 404, "NOT_FOUND");
    });

    it("malformed URL encoding → 400 BAD_REQUEST", async () => {
      assertError(await rawRequest(server.url, "/v1/%E0%A4%A", { method: "GET" }), 400, "BAD_REQUEST");
    });

    it("afterwards the server still answers /healthz, and no request got a 5xx", async () => {
      const res = await app.inject({ method: "GET", url: "/healthz" });
      assert.equal(res.statusCode, 200);
      const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
      assert.doesNotMatch(metrics, /warden_http_requests_total\{[^}]*status="5\d\d"/);
    });
  });

  describe("POST /v1/feedback", () => {
    const feedback = (payload: unknown): Promise<LightMyRequestResponse> => app.inject({ method: "POST", url: "/v1/feedback", payload: payload as Json });

    it("accepts a label with 202 and stores it", async () => {
      const res = await feedback({ id: "fb-stored", label: 1 });
      assert.equal(res.statusCode, 202, res.body);
      const rows = await server.store.listFeedback(100);
      const row = rows.find((f) => f.id === "fb-stored");
      assert.ok(row, "the feedback row is in the store");
      assert.equal(row.label, 1);
    });

    it("joins the label to the prediction made with that id", async () => {
      const c = await classifyOk(app, { text: FIXTURE_INSULT, id: "fb-joined" });
      assert.equal((await feedback({ id: "fb-joined", label: 1 })).statusCode, 202);
      await server.context.predictionLog.flush();
      const row = (await server.store.listFeedback(100)).find((f) => f.id === "fb-joined");
      assert.ok(row);
      assert.ok(row.prediction, "the feedback joins a logged prediction");
      assert.equal(row.prediction.id, "fb-joined");
      assert.equal(row.prediction.model, server.version);
      assert.equal(row.prediction.score, c.score);
      assert.equal(row.prediction.action, c.action);
    });

    it("label 2 → 400", async () => {
      assertError(await feedback({ id: "fb-bad", label: 2 }), 400, "BAD_REQUEST");
    });

    it("missing id → 400", async () => {
      assertError(await feedback({ label: 1 }), 400, "BAD_REQUEST");
    });
  });

  describe("health, metrics and dashboard", () => {
    it("GET /healthz → 200", async () => {
      const res = await app.inject({ method: "GET", url: "/healthz" });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: "ok" });
    });

    it("GET /readyz → 200 naming the served model", async () => {
      const res = await app.inject({ method: "GET", url: "/readyz" });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().model, server.version);
    });

    it("GET /metrics → Prometheus text with request counts and the model version", async () => {
      await classifyOk(app, { text: FIXTURE_FRIENDLY });
      const res = await app.inject({ method: "GET", url: "/metrics" });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /^text\/plain/);
      assert.match(res.body, /^warden_http_requests_total\{[^}]*route="\/v1\/classify"[^}]*\} \d+/m);
      assert.ok(res.body.includes(`warden_model_info{version="${server.version}"} 1`), "warden_model_info names the served version");
    });

    it("GET / → the dashboard as text/html", async () => {
      const res = await app.inject({ method: "GET", url: "/" });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /^text\/html/);
      assert.match(res.body, /<html/i);
    });
  });

  describe("admin routes without WARDEN_ADMIN_TOKEN", () => {
    for (const [method, url] of [
      ["GET", "/v1/admin/models"],
      ["POST", "/v1/admin/models/m-000000000000/promote"],
      ["POST", "/v1/admin/models/rollback"],
    ] as const) {
      it(`${method} ${url} → 404, even with a bearer token`, async () => {
        assertError(await app.inject({ method, url, headers: { authorization: "Bearer anything" } }), 404, "NOT_FOUND");
      });
    }
  });
});

describe("admin routes with WARDEN_ADMIN_TOKEN", () => {
  const TOKEN = "test-admin-token";
  const auth = { authorization: `Bearer ${TOKEN}` };
  let server: TestServer;
  let app: FastifyInstance;
  let second: { version: string };
  let fixtureDir: string;
  before(async () => {
    server = await startTestServer({ adminToken: TOKEN });
    app = server.app;
    fixtureDir = mkdtempSync(join(tmpdir(), "warden-second-model-"));
    const trained = await trainFixtureModel(fixtureDir, { seed: 2 });
    second = await server.registry.register(trained.artifact, { fixture: true, seed: 2 });
  });
  after(async () => {
    await server.close();
    rmSync(fixtureDir, { recursive: true, force: true });
  });

  const promote = (version: string): Promise<LightMyRequestResponse> =>
    app.inject({ method: "POST", url: `/v1/admin/models/${version}/promote`, headers: auth });
  const servedVersion = async (): Promise<string> => (await classifyOk(app, { text: FIXTURE_INSULT })).model;

  it("without an Authorization header → 401", async () => {
    assertError(await app.inject({ method: "GET", url: "/v1/admin/models" }), 401, "UNAUTHORIZED");
  });

  it("with a wrong token → 401", async () => {
    assertError(await app.inject({ method: "GET", url: "/v1/admin/models", headers: { authorization: "Bearer test-admin-tokeX" } }), 401, "UNAUTHORIZED");
  });

  it("with the token but another scheme → 401", async () => {
    assertError(await app.inject({ method: "GET", url: "/v1/admin/models", headers: { authorization: `Basic ${TOKEN}` } }), 401, "UNAUTHORIZED");
  });

  it("GET /v1/admin/models lists the registered models and marks the champion", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/admin/models", headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    const models = res.json().models as Json[];
    const champion = models.find((m) => m.version === server.version);
    assert.ok(champion, `${server.version} is listed`);
    assert.equal(champion.champion, true);
    assert.ok(models.some((m) => m.version === second.version && m.champion === false));
  });

  it("promoting a second model makes classify answer with its version", async () => {
    assert.notEqual(second.version, server.version, "the second fixture model is a different version");
    const res = await promote(second.version);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().champion, second.version);
    assert.equal(await servedVersion(), second.version);
    assert.equal((await app.inject({ method: "GET", url: "/readyz" })).json().model, second.version);
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    assert.ok(metrics.includes(`warden_model_info{version="${second.version}"} 1`), "warden_model_info names the promoted version");
  });

  it("rollback makes classify answer with the first model again", async () => {
    assert.equal((await promote(second.version)).statusCode, 200);
    assert.equal(await servedVersion(), second.version);
    const res = await app.inject({ method: "POST", url: "/v1/admin/models/rollback", headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().champion, server.version);
    assert.equal(await servedVersion(), server.version);
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    assert.ok(metrics.includes(`warden_model_info{version="${server.version}"} 1`));
    assert.ok(!metrics.includes(`warden_model_info{version="${second.version}"}`), "the old model's info series is gone");
  });

  it("promoting an unknown version → 404 MODEL_NOT_FOUND, and serving is unchanged", async () => {
    const served = await servedVersion();
    assertError(await promote("m-000000000000"), 404, "MODEL_NOT_FOUND");
    assert.equal(await servedVersion(), served);
  });
});
