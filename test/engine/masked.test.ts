/**
 * A masked letter is read in the language the engine identifies: the shipped model's
 * lexicon knows each word's home language, so "s*ch" is "sich" in a German message and
 * "such" in an English one, on every path (one message, explained, a batch).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Cascade } from "../../src/engine/cascade.js";
import { Engine } from "../../src/engine/engine.js";
import { RulesStage } from "../../src/engine/rules.js";
import { loadDefaultModel } from "../../src/registry/registry.js";
import { Lexicon } from "../../src/text/lexicon.js";

const engine = new Engine(loadDefaultModel(), parseConfig({}, "test").policy);

describe("masked letters, read in the message's language", () => {
  const cases: Array<[text: string, lang: string, normalized: string]> = [
    ["Ich weiß nicht, ob er s*ch das überhaupt leisten kann", "de", "ich weiß nicht, ob er sich das überhaupt leisten kann"],
    ["I am not s*ch a fool as you think", "en", "i am not such a fool as you think"],
    ["Das w*re schön, wenn du nicht so dumm w*rst", "de", "das wäre schön, wenn du nicht so dumm wirst"],
    ["ce s%nt des idiots", "fr", "ce sont des idiots"],
  ];
  for (const [text, lang, normalized] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(normalized)}`, () => {
      const one = engine.classify(text, { observe: true });
      assert.equal(one.lang, lang);
      assert.equal(one.observed?.normalized, normalized);
      // the explained path (with the offset map) and the batch path read it the same way
      const explained = engine.classify(text, { explain: true });
      assert.equal(explained.score, one.score);
      assert.ok(explained.explanation!.every((s) => text.slice(s.start, s.end) === s.text));
      assert.equal(engine.classifyMany([text])[0]!.score, one.score);
    });
  }

  it("the rules stage reads them as the model does: a block list's \"sich\" catches the German s*ch, not the English one", async () => {
    const cascade = new Cascade(new RulesStage({ allow: [], block: ["sich"], allowPatterns: [], blockPatterns: [] }), { fallbackAction: "allow", breaker: { failures: 5, cooldownMs: 1000 } });
    const budget = { deadlineMs: 1e6, startedAt: performance.now() };
    const german = await cascade.classify(engine, cases[0]![0], budget);
    assert.equal(german.stage, "rules");
    assert.equal(german.lang, "de");
    assert.equal(german.explanation![0]!.text, "s*ch");
    assert.notEqual((await cascade.classify(engine, cases[1]![0], budget)).stage, "rules");
  });

  it("with a lexicon of an older model, which has no languages, reads the most frequent word of all", () => {
    const shipped = loadDefaultModel();
    const lexicon = new Lexicon(shipped.model.lexicon.entries().map(([w, n]) => [w, n] as const));
    const older = new Engine({ ...shipped, model: { ...shipped.model, lexicon } }, parseConfig({}, "test").policy);
    assert.ok(shipped.model.lexicon.knowsLanguages && !lexicon.knowsLanguages);
    assert.equal(older.classify(cases[0]![0], { observe: true }).observed?.normalized, "ich weiß nicht, ob er such das überhaupt leisten kann");
  });
});
