/** Configured thresholds: per category, per language within a category, and the model's own where none is configured. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { fixtureArtifact } from "../helpers/fixture.js";

const model = deserializeModel(fixtureArtifact(), "fixture").model;
const engineWith = (policy: unknown): Engine => new Engine({ version: "m-test", model }, parseConfig({ policy }).policy);

describe("policy thresholds", () => {
  const plain = engineWith({});
  const langs = ["en", "de", "xx"];

  it("without configuration: the model's validated threshold per language, and policy.block", () => {
    const head = model.classifier.heads.indexOf("abusive");
    for (const lang of langs) {
      assert.equal(plain.flagThreshold("abusive", lang), model.classifier.thresholdFor(head, lang));
      assert.equal(plain.blockThreshold("abusive", lang), Math.max(0.9, model.classifier.thresholdFor(head, lang)));
    }
  });

  it("a language's configured thresholds take the place of the category's for that language only", () => {
    const engine = engineWith({ block: 0.95, thresholds: { abusive: { review: 0.6, block: 0.8, languages: { en: { review: 0.9 }, de: { block: 0.99 } } }, hate: { languages: { en: { review: 0.7 } } } } });
    assert.equal(engine.flagThreshold("abusive", "en"), 0.9);
    assert.equal(engine.blockThreshold("abusive", "en"), 0.9, "block is never below review");
    assert.equal(engine.flagThreshold("abusive", "de"), 0.6);
    assert.equal(engine.blockThreshold("abusive", "de"), 0.99);
    assert.equal(engine.flagThreshold("abusive", "xx"), 0.6);
    assert.equal(engine.blockThreshold("abusive", "xx"), 0.8);
    // hate: English configured; German keeps the model's own threshold and policy.block.
    const hate = model.classifier.heads.indexOf("hate");
    assert.equal(engine.flagThreshold("hate", "en"), 0.7);
    assert.equal(engine.flagThreshold("hate", "de"), model.classifier.thresholdFor(hate, "de"));
    assert.equal(engine.blockThreshold("hate", "de"), Math.max(0.95, model.classifier.thresholdFor(hate, "de")));
  });

  it("answers follow them: a message flagged as it is allowed once its language's review threshold is above its score", () => {
    const text = "you are a stupid idiot";
    const before = plain.classify(text);
    assert.equal(before.lang, "en");
    assert.ok(before.flagged, JSON.stringify(before.categories));
    const raised = engineWith({ thresholds: Object.fromEntries(model.classifier.heads.map((c) => [c, { languages: { en: { review: 1 } } }])) });
    const after = raised.classify(text);
    assert.ok(Object.values(after.categories).every((p) => p < 1));
    assert.equal(after.flagged, false);
    assert.equal(after.action, "allow");
    // Another language's messages are judged as before.
    const other = engineWith({ thresholds: Object.fromEntries(model.classifier.heads.map((c) => [c, { languages: { xx: { review: 1 } } }])) });
    assert.deepEqual(other.classify(text), before);
  });

  it("a configuration with an unknown key is refused, named", () => {
    assert.throws(() => parseConfig({ policy: { thresholds: { abusive: { languages: { en: { reveiw: 0.9 } } } } } }), /policy\.thresholds\.abusive\.languages\.en/);
  });
});
