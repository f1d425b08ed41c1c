/**
 * Explanations name exact pieces of the text as sent, whatever was done to hide them,
 * and the reason sentence says what was decided and why in plain words.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConfig } from "../../src/config.js";
import { Engine, type StageChoice } from "../../src/engine/engine.js";
import { ATTACK_FAMILIES, attack } from "../../src/eval/attacks.js";
import { FeatureExtractor, FeatureTrace, SparseVector } from "../../src/features/extract.js";
import { languageNamespace } from "../../src/model/bundle.js";
import { loadDefaultModel } from "../../src/registry/registry.js";
import { reasonFor } from "../../src/engine/reason.js";
import { Lexicon } from "../../src/text/lexicon.js";
import { evasionFlags, normalize, toInputSpan } from "../../src/text/normalize.js";

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

function assertExact(text: string, stages: StageChoice = "auto"): void {
  const r = engine.classify(text, { explain: true, stages });
  for (const span of r.explanation!) {
    assert.equal(text.slice(span.start, span.end), span.text, `span ${span.start}-${span.end} of ${JSON.stringify(text)}`);
    assert.ok(span.start >= 0 && span.end <= text.length && span.start < span.end);
  }
}

describe("explanations", () => {
  it("are exact slices of the text as sent, through every attack family, from either stage (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGES), fc.constantFrom(...ATTACK_FAMILIES), fc.integer({ min: 1, max: 1000 }), fc.constantFrom<StageChoice>("first", "second"), (message, family, seed, stages) => {
        assertExact(attack(message, family, seed), stages);
      }),
      { numRuns: 400 },
    );
  });

  it("are exact slices of arbitrary strings, lone surrogates and all (property)", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => assertExact(text)), { numRuns: 300 });
  });

  for (const stages of ["first", "second"] as const) it(`weigh each word by how much the ${stages} stage's deciding margin falls without the features touching it (checked by recounting)`, () => {
    const { model } = loadDefaultModel();
    const c = stages === "first" ? model.classifier : model.stage2!.classifier;
    const extractor = new FeatureExtractor(c.features);
    for (const text of ["shut up you stupid idiot", "du bist so ein dummer vollidiot", "you are a pathetic loser and everyone knows it", "fuck off, go away"]) {
      const r = engine.classify(text, { explain: true, stages });
      assert.equal(r.stage, stages === "first" ? "linear" : "stage2");
      const head = c.heads.indexOf(Object.entries(r.categories).sort((a, b) => b[1] - a[1])[0]![0]);
      const norm = normalize(text, model.lexicon, model.normalization);
      const trace = new FeatureTrace();
      extractor.traceOnly(norm.text, trace, c.features.languageFeatures ? languageNamespace(r.lang) : 0, c.features.evasionFeatures ? evasionFlags(norm.signals) : 0);
      // The margin from counts, scaled to unit norm as extraction does.
      const marginOf = (keep: (k: number) => boolean): number => {
        const counts = new Map<number, number>();
        for (let k = 0; k < trace.length; k++) if (keep(k)) counts.set(trace.index[k]!, (counts.get(trace.index[k]!) ?? 0) + 1);
        const buckets = [...counts.keys()].sort((a, b) => a - b);
        const x = new SparseVector();
        x.ensure(buckets.length);
        const u = buckets.map((b) => 1 + Math.log(counts.get(b)!));
        const scale = 1 / Math.hypot(...u);
        buckets.forEach((b, k) => {
          x.indices[k] = b;
          x.values[k] = u[k]! * scale;
        });
        x.length = buckets.length;
        const out = new Float64Array(c.heads.length);
        c.margins(x, out);
        return out[head]!;
      };
      const full = marginOf(() => true);
      assert.ok(r.explanation!.length > 0, text);
      for (const span of r.explanation!) {
        // The span's word in normalized offsets: the occurrences overlapping it are the ones it removes.
        let s = -1;
        let e = -1;
        for (let i = 0; i < norm.text.length && s < 0; i++) {
          for (let j = i + 1; j <= norm.text.length; j++) {
            const m = toInputSpan(norm, i, j);
            if (m.start === span.start && m.end === span.end && norm.text[i] !== " " && norm.text[j - 1] !== " ") [s, e] = [i, j];
          }
        }
        assert.ok(s >= 0, `${span.text} maps back into ${JSON.stringify(norm.text)}`);
        const drop = full - marginOf((k) => trace.end[k]! <= s || trace.start[k]! >= e);
        assert.ok(Math.abs(drop - span.weight) < 2e-3, `${span.text}: weight ${span.weight}, recounted drop ${drop}`);
      }
      assert.ok(["stupid", "idiot", "vollidiot", "dummer", "pathetic", "loser", "fuck"].includes(r.explanation![0]!.text), `top span of ${text}: ${r.explanation![0]!.text}`);
    }
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

  it("tells words run together (a hashtag, deleted spaces) from letters spread apart", () => {
    const hashtag = normalize("watching #thefinalfour tonight", new Lexicon([["the", 900], ["final", 300], ["four", 200], ["watching", 50]]));
    assert.equal(hashtag.text, "watching #the final four tonight");
    assert.deepEqual([hashtag.signals.joined, hashtag.signals.split], [2, 0]);
    const reason = reasonFor("review", "abusive", 0.8, [], hashtag.signals);
    assert.match(reason, /ran words together/);
    assert.doesNotMatch(reason, /spread letters apart/);
    // the features keep one bit for both, as the shipped model was trained
    assert.equal(evasionFlags(hashtag.signals), evasionFlags({ ...hashtag.signals, joined: 0, split: 1 }));
  });

  it("says plainly when nothing was flagged", () => {
    const r = engine.classify("thanks for the lovely dinner yesterday", { explain: true });
    assert.equal(r.action, "allow");
    assert.match(r.reason!, /^Allowed: no category reached its threshold \(highest: \w+, \d+%\)\.$/);
  });
});
