/**
 * The cascade over HTTP: every answer names the stage that gave it, the same as the
 * engine's, and the monitor counts the share stage 2 answered.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STAGE_SECOND } from "../../src/engine/engine.js";
import { startTestServer } from "../helpers/fixture.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TEXTS = ["shut up you stupid idiot", "you are so kind", "what a day", "you are a lovely idiot", "nobody likes the meeting", "thank you, you moron", "halt die klappe", "du bist nett", "buy cheap pills now", "the garden notes moved", "what a wonderful loser", "cheers, everyone"];

describe("the cascade over HTTP", () => {
  it("names the answering stage as the engine does, and the monitor counts stage 2's share", async () => {
    const server = await startTestServer({ model: { stage2: true } });
    try {
      const engine = server.context.slot.current;
      assert.ok(engine.cascades, "the server serves the two-stage fixture");
      let second = 0;
      for (const text of TEXTS) {
        const r = (await server.app.inject({ method: "POST", url: "/v1/classify", payload: { text } })).json() as Json;
        const direct = engine.classify(text);
        assert.equal(r.stage, direct.stage, text);
        assert.deepEqual(r.categories, direct.categories, text);
        if (r.stage === STAGE_SECOND) second++;
      }
      assert.ok(second > 0 && second < TEXTS.length, `both stages answered (${second} of ${TEXTS.length} by stage 2)`);
      const m = (await server.app.inject({ method: "GET", url: "/v1/monitor?window=15m" })).json() as Json;
      assert.equal(m.traffic.requests, TEXTS.length);
      assert.equal(m.traffic.second_stage_rate, Math.round((second / TEXTS.length) * 1e4) / 1e4);
    } finally {
      await server.close();
    }
  });
});
