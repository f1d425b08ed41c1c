import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WardenError } from "../../src/errors.js";
import { deserializeModel, loadModelFile, serializeModel } from "../../src/model/artifact.js";
import type { WardenModel } from "../../src/model/bundle.js";
import { LanguageModel } from "../../src/model/langid.js";
import { LinearModel } from "../../src/model/linear.js";
import { Lexicon } from "../../src/text/lexicon.js";

function tinyModel(): WardenModel {
  const bits = 8;
  const heads = ["abusive", "hate"];
  const weights = new Float32Array((1 << bits) * heads.length).map((_, i) => Math.sin(i) / 10);
  const labels = ["de", "en"];
  return {
    normalization: "full",
    lexicon: new Lexicon([["idiot", 5], ["hello", 3]]),
    classifier: new LinearModel({
      heads,
      features: { bits, charMin: 1, charMax: 3, wordNgrams: 1, languageFeatures: true },
      weights,
      bias: new Float32Array([0.1, -0.2]),
      calibration: [{ a: 1.5, b: -0.1 }, { a: 1, b: 0 }],
      languageCalibration: { de: [{ a: 2, b: 0.5 }, null] },
    }),
    language: new LanguageModel({
      labels,
      features: { bits, charMin: 1, charMax: 2, wordNgrams: 0 },
      weights: new Float32Array((1 << bits) * labels.length).map((_, i) => Math.cos(i)),
      bias: new Float32Array([0.3, 0.4]),
      minConfidence: 0.4,
    }),
  };
}

describe("model artifact", () => {
  it("round-trips weights, bias, calibration and meta exactly", () => {
    const model = tinyModel();
    const buf = serializeModel(model, { note: "x" });
    const back = deserializeModel(buf, "mem");
    assert.deepEqual(back.model.classifier.weights, model.classifier.weights);
    assert.deepEqual(back.model.classifier.bias, model.classifier.bias);
    assert.deepEqual(back.model.classifier.calibration, model.classifier.calibration);
    assert.deepEqual(back.model.classifier.languageCalibration, model.classifier.languageCalibration);
    assert.deepEqual(back.model.language.weights, model.language.weights);
    assert.deepEqual(back.model.language.bias, model.language.bias);
    assert.deepEqual(back.model.language.labels, model.language.labels);
    assert.deepEqual(back.model.lexicon.entries(), model.lexicon.entries());
    assert.equal(back.model.normalization, "full");
    assert.deepEqual(back.meta, { note: "x" });
    assert.match(back.sha256, /^[0-9a-f]{64}$/);
  });

  it("serializes deterministically", () => {
    assert.ok(serializeModel(tinyModel(), { a: 1 }).equals(serializeModel(tinyModel(), { a: 1 })));
  });

  it("refuses a file with one byte flipped, naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-artifact-"));
    try {
      const path = join(dir, "model.wdn");
      const buf = serializeModel(tinyModel(), {});
      for (const offset of [20, Math.floor(buf.length / 2), buf.length - 1]) {
        const bad = Buffer.from(buf);
        bad[offset]! ^= 0x01;
        writeFileSync(path, bad);
        assert.throws(
          () => loadModelFile(path),
          (err: unknown) => err instanceof WardenError && err.code === "MODEL_CHECKSUM" && err.message.includes(path),
        );
      }
      writeFileSync(path, buf);
      assert.equal(loadModelFile(path).model.classifier.heads.length, 2);
      assert.ok(readFileSync(path).equals(buf));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a newer format version and a non-artifact with clear errors", () => {
    const buf = serializeModel(tinyModel(), {});
    const body = Buffer.from(buf.subarray(0, buf.length - 32));
    body.writeUInt16LE(99, 4);
    const newer = Buffer.concat([body, createHash("sha256").update(body).digest()]);
    assert.throws(() => deserializeModel(newer, "new.wdn"), /format 99; this Warden reads up to 1/);
    assert.throws(() => deserializeModel(Buffer.from("hello world, not a model at all........................"), "x.bin"), /not a Warden model artifact/);
  });
});
