/**
 * The cascade's second stage: it travels in the artifact, answers exactly the messages
 * stage 1 is unsure of, names itself in the answer, gives way to stage 1 under a tight
 * budget. (Its explanations are checked with stage 1's, test/engine/explain.test.ts.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { resolveDatasets } from "../../src/data/datasets.js";
import { stagesWithin } from "../../src/engine/cascade.js";
import { Engine, STAGE_FIRST, STAGE_SECOND } from "../../src/engine/engine.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { deserializeModel, serializeModel } from "../../src/model/artifact.js";
import { logOddsDistance } from "../../src/model/bundle.js";
import { LinearModel } from "../../src/model/linear.js";
import { WardenError } from "../../src/errors.js";
import { fixtureArtifact, writeFixtureDataset } from "../helpers/fixture.js";

const policy = parseConfig({}, "test").policy;
const loaded = deserializeModel(fixtureArtifact({ stage2: true }), "fixture");
const engine = new Engine({ version: "m-test", model: loaded.model }, policy);
const stage2 = loaded.model.stage2!;

const TEXTS = [
  "shut up you stupid idiot",
  "you are so kind",
  "what a day",
  "you are a lovely idiot",
  "nobody likes the meeting",
  "thank you, you moron",
  "halt die klappe",
  "du bist nett",
  "buy cheap pills now",
  "the garden notes moved",
  "immigrants are welcome here",
  "get lost, helpful person",
  "kimse seni sevmiyor",
  "ты очень милый",
  "what a wonderful loser",
  "cheers, everyone",
];

describe("the cascade's second stage", () => {
  it("travels in the artifact: same bytes when written again, format 3", () => {
    const bytes = fixtureArtifact({ stage2: true });
    assert.equal(bytes.readUInt16LE(4), 3);
    assert.ok(stage2.band > 0, "the band was chosen on validation data");
    assert.ok(stage2.classifier.features.bits > loaded.model.classifier.features.bits);
    assert.deepEqual(serializeModel(loaded.model, loaded.meta), bytes);
    // A model without it is still written in the older formats.
    assert.ok(fixtureArtifact().readUInt16LE(4) < 3);
  });

  it("refuses an artifact whose stages answer different categories", () => {
    const heads = ["abusive", "hate"];
    const features = { ...stage2.classifier.features, bits: 8 };
    const odd = new LinearModel({ heads, features, weights: new Float32Array(2 * 256), bias: new Float32Array(2), calibration: heads.map(() => ({ a: 1, b: 0 })) });
    const bytes = serializeModel({ ...loaded.model, stage2: { classifier: odd, band: 1 } }, {});
    assert.throws(() => deserializeModel(bytes, "odd.wdn"), (err: unknown) => err instanceof WardenError && err.code === "MODEL_FORMAT" && /second stage has categories abusive, hate/.test(err.message));
  });

  it("answers exactly the messages stage 1 is unsure of, and names itself", () => {
    let handedOn = 0;
    for (const text of TEXTS) {
      const first = engine.classify(text, { stages: "first" });
      const second = engine.classify(text, { stages: "second" });
      const auto = engine.classify(text);
      assert.equal(first.stage, STAGE_FIRST);
      assert.equal(second.stage, STAGE_SECOND);
      const closest = Math.min(...Object.entries(first.categories).map(([c, p]) => logOddsDistance(p, engine.flagThreshold(c, first.lang))));
      if (Math.abs(closest - stage2.band) < 1e-2) continue; // the answer's 4-decimal rounding could tip it
      const unsure = closest <= stage2.band;
      assert.equal(auto.stage, unsure ? STAGE_SECOND : STAGE_FIRST, `${text}: closest ${closest}, band ${stage2.band}`);
      assert.deepEqual(auto, unsure ? second : first);
      if (unsure) handedOn++;
    }
    assert.ok(handedOn > 0 && handedOn < TEXTS.length, `some but not all messages go to stage 2 (${handedOn} of ${TEXTS.length})`);
  });

  it("answers a batch (classifyMany, stage by stage) exactly as one message at a time", () => {
    const texts = [...TEXTS, "", "   ", "s t u p i d", "ｙｏｕ ａｒｅ ａｎ 1d10t", "\ud800 lone", ...TEXTS.map((t) => t.toUpperCase())];
    for (const stages of ["auto", "first", "second"] as const) {
      assert.deepEqual(engine.classifyMany(texts, stages), texts.map((t) => engine.classify(t, { stages })), stages);
    }
    assert.deepEqual(engine.classifyMany([]), []);
  });

  it("flags at its own thresholds", () => {
    for (const text of TEXTS) {
      const r = engine.classify(text, { stages: "second" });
      const flagged = Object.entries(r.categories).some(([c, p]) => p >= engine.flagThreshold(c, r.lang, r.stage));
      assert.equal(r.flagged, flagged, text);
    }
  });

  it("gives way to stage 1 when the budget leaves no room for both, and to the fallback when none", () => {
    assert.equal(stagesWithin(100, 1, "auto"), "auto");
    assert.equal(stagesWithin(4, 1, "auto"), "first");
    assert.equal(stagesWithin(2, 1, "auto"), "none");
    assert.equal(stagesWithin(100, 1, "second"), "second");
  });

  describe("evaluation", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "warden-stages-"));
      writeFixtureDataset(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reports each stage alone and the share the cascade hands on", () => {
      const files = resolveDatasets([dir], "test");
      const [first, second, cascade] = (["first", "second", "auto"] as const).map((s) => evaluate(engine, files, undefined, s));
      assert.ok(first!.datasets.every((r) => r.secondStage === 0));
      assert.ok(second!.datasets.every((r) => r.secondStage === 1));
      const n = cascade!.datasets.reduce((a, r) => a + r.n, 0);
      const handed = cascade!.datasets.reduce((a, r) => a + r.secondStage * r.n, 0);
      assert.ok(handed > 0 && handed < n, `the cascade hands some messages on (${handed} of ${n})`);
    });
  });
});
