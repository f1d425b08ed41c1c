/**
 * Warm-up before serving: its texts run the normalizer's disguise paths, it leaves the
 * engine answering as before, and it yields to the event loop (a promotion warms the new
 * model while the old one serves).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { warmUp, warmUpTexts } from "../../src/server/warmup.js";
import { loadDefaultModel } from "../../src/registry/registry.js";
import { normalizeText } from "../../src/text/normalize.js";

const policy = parseConfig({}, "test").policy;
const engineOf = (): Engine => new Engine(loadDefaultModel(), policy);

describe("warm-up", () => {
  it("builds deterministic texts from the lexicon that set off every disguise the normalizer undoes", () => {
    const engine = engineOf();
    const texts = [...warmUpTexts(engine, 400)];
    assert.equal(texts.length, 400);
    assert.deepEqual(texts, [...warmUpTexts(engine, 400)]);
    const seen = { leet: 0, split: 0, stretched: 0, ambiguous: 0 };
    for (const t of texts) {
      const { signals } = normalizeText(t, engine.model.lexicon);
      for (const k of Object.keys(seen) as Array<keyof typeof seen>) if (signals[k] > 0) seen[k]++;
    }
    for (const [kind, n] of Object.entries(seen)) assert.ok(n >= 20, `${kind} in ${n} of 400 texts`);
  });

  it("leaves the engine answering exactly as a cold one does", async () => {
    const probes = ["you are a stupid idiot", "what a lovely day", "s t u p i d", "1d10t", "sen bir aptalsın", "你是个傻逼"];
    const cold = probes.map((t) => engineOf().classify(t, { explain: true }));
    const warmed = await warmUp(engineOf(), 300);
    assert.deepEqual(
      probes.map((t) => warmed.classify(t, { explain: true })),
      cold,
    );
  });

  it("yields to the event loop while it works", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await warmUp(engineOf(), 600);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `a timer ran ${ticks} times during the warm-up`);
  });
});
