/**
 * Explanations name exact pieces of the text as sent, whatever was done to hide them,
 * and the reason sentence says what was decided and why in plain words.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { ATTACK_FAMILIES, attack } from "../../src/eval/attacks.js";
import { loadDefaultModel } from "../../src/registry/registry.js";

const engine = new Engine(loadDefaultModel(), parseConfig({}, "test").policy);

const MESSAGES = [
  "shut up you stupid idiot",
  "du bist so ein dummer vollidiot",
  "tais-toi espèce de connard",
  "sen tam bir aptalsın, defol",
  "заткнись, тупой урод",
  "you are a pathetic loser and everyone knows it",
  "thanks for the lovely dinner yesterday",
  "kapa çeneni gerizekalı",
];

function assertExact(text: string): void {
  const r = engine.classify(text, { explain: true });
  for (const span of r.explanation!) {
    assert.equal(text.slice(span.start, span.end), span.text, `span ${span.start}-${span.end} of ${JSON.stringify(text)}`);
    assert.ok(span.start >= 0 && span.end <= text.length && span.start < span.end);
  }
}

describe("explanations", () => {
  it("are exact slices of the text as sent, through every attack family (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGES), fc.constantFrom(...ATTACK_FAMILIES), fc.integer({ min: 1, max: 1000 }), (message, family, seed) => {
        assertExact(attack(message, family, seed));
      }),
      { numRuns: 400 },
    );
  });

  it("are exact slices of arbitrary strings, lone surrogates and all (property)", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => assertExact(text)), { numRuns: 300 });
  });

  it("cover the whole hidden word: the span of f.u.c.k is the dotted word", () => {
    const text = "you f.u.c.k.i.n.g idiot";
    const spans = engine.classify(text, { explain: true }).explanation!;
    assert.ok(spans.some((s) => s.text === "f.u.c.k.i.n.g"), JSON.stringify(spans));
  });
});

describe("the reason sentence", () => {
  it("names the decision, the category and the strongest words", () => {
    const r = engine.classify("shut up you stupid idiot", { explain: true });
    assert.notEqual(r.action, "allow");
    assert.match(r.reason!, /^(Blocked as|Sent to review as possibly) abusive \(\d+%\), mostly because of "/);
    assert.ok(r.reason!.includes(`"${r.explanation![0]!.text}"`));
  });

  it("says how the text hid its words", () => {
    assert.match(engine.classify("you are an іdіоt", { explain: true }).reason!, /look-alike letters from other alphabets/);
    assert.match(engine.classify("you 1d10t", { explain: true }).reason!, /wrote letters as digits or symbols/);
    assert.match(engine.classify("you i.d.i.o.t", { explain: true }).reason!, /spread letters apart/);
  });

  it("says plainly when nothing was flagged", () => {
    const r = engine.classify("thanks for the lovely dinner yesterday", { explain: true });
    assert.equal(r.action, "allow");
    assert.match(r.reason!, /^Allowed: no category reached its threshold \(highest: \w+, \d+%\)\.$/);
  });
});
