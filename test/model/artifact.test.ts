import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WardenError } from "../../src/errors.js";
import { SparseVector } from "../../src/features/extract.js";
import { FORMAT_VERSION, deserializeModel, loadModelFile, loadModelFileAsync, serializeModel, sharedModelBytes, verifyModelFile } from "../../src/model/artifact.js";
import type { WardenModel } from "../../src/model/bundle.js";
import { LanguageModel } from "../../src/model/langid.js";
import { LinearModel } from "../../src/model/linear.js";
import { INT8_BLOCK, int8RoundTrip, isInt8, quantizeInt8, sparseDot, tableLength, toFloat32 } from "../../src/model/quantize.js";
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

  it("loads and verifies without holding the event loop, as loadModelFile does at once, refusing what it refuses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-artifact-"));
    try {
      // A few megabytes, so that reading and hashing take several slices.
      const model = { ...tinyModel(), lexicon: new Lexicon(Array.from({ length: 30_000 }, (_, i) => [`word${i}`, 30_000 - i] as const)) };
      const buf = serializeModel(model, { note: "async" });
      const path = join(dir, "model.wdn");
      writeFileSync(path, buf);
      let turns = 0;
      const ticker = setInterval(() => turns++, 0);
      const [loaded] = await Promise.all([loadModelFileAsync(path), verifyModelFile(path)]);
      clearInterval(ticker);
      assert.ok(turns >= 2, `timers ran ${turns} times during the load`);
      const once = loadModelFile(path);
      assert.equal(loaded.sha256, once.sha256);
      assert.deepEqual(loaded.meta, once.meta);
      assert.deepEqual(loaded.model.lexicon.entries(), once.model.lexicon.entries());
      assert.deepEqual(loaded.model.classifier.weights, once.model.classifier.weights);
      assert.deepEqual(loaded.model.language.weights, once.model.language.weights);
      assert.equal(loaded.model.lexicon.match(["w", "o", null, "d", "1"]), once.model.lexicon.match(["w", "o", null, "d", "1"]));

      const refusals: Array<[Buffer | null, string]> = [[Buffer.from("not a model at all, not a model at all, not a model"), "MODEL_FORMAT"], [null, "MODEL_NOT_FOUND"]];
      const flipped = Buffer.from(buf);
      flipped[Math.floor(buf.length / 2)]! ^= 0x01;
      refusals.push([flipped, "MODEL_CHECKSUM"]);
      for (const [bytes, code] of refusals) {
        const bad = join(dir, `bad-${code}.wdn`);
        if (bytes) writeFileSync(bad, bytes);
        const refused = (err: unknown): boolean => err instanceof WardenError && err.code === code && err.message.includes(bad);
        assert.throws(() => loadModelFile(bad), refused);
        await assert.rejects(loadModelFileAsync(bad), refused);
        await assert.rejects(verifyModelFile(bad), refused);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a newer format version and a non-artifact with clear errors", () => {
    const buf = serializeModel(tinyModel(), {});
    const body = Buffer.from(buf.subarray(0, buf.length - 32));
    body.writeUInt16LE(99, 4);
    const newer = Buffer.concat([body, createHash("sha256").update(body).digest()]);
    assert.throws(() => deserializeModel(newer, "new.wdn"), new RegExp(`format 99; this Warden reads up to ${FORMAT_VERSION}`));
    assert.throws(() => deserializeModel(Buffer.from("hello world, not a model at all........................"), "x.bin"), /not a Warden model artifact/);
  });

  it("stores int8 weights with a scale per block: a quarter of the size, each weight within half a step, loaded back as served", () => {
    const model = tinyModel();
    const f32 = serializeModel(model, {});
    const int8 = serializeModel(model, {}, "int8");
    assert.equal(f32.readUInt16LE(4), 1, "a float model keeps format 1 (its bytes do not change)");
    assert.equal(int8.readUInt16LE(4), 2);
    const weightBytes = (tableLength(model.classifier.weights) + tableLength(model.language.weights)) * 4;
    assert.ok(f32.length - int8.length > 0.7 * weightBytes, `${f32.length} → ${int8.length}`);
    const loaded = deserializeModel(int8, "int8.wdn").model;
    assert.ok(isInt8(loaded.classifier.weights) && isInt8(loaded.language.weights), "int8 tables stay int8 in memory");
    const w = toFloat32(model.classifier.weights);
    const served = toFloat32(loaded.classifier.weights);
    const { scales } = quantizeInt8(w);
    for (let i = 0; i < w.length; i++) assert.ok(Math.abs(served[i]! - w[i]!) <= scales[Math.floor(i / INT8_BLOCK)]! / 2 + 1e-7, `weight ${i}`);
    assert.deepEqual(Array.from(served), Array.from(int8RoundTrip(w)));
    assert.deepEqual(Array.from(toFloat32(loaded.language.weights)), Array.from(int8RoundTrip(toFloat32(model.language.weights))));
    assert.deepEqual(Array.from(loaded.classifier.bias), Array.from(model.classifier.bias), "biases stay f32");
    // Quantized weights quantize back to themselves, so re-exporting an int8 model loses nothing.
    assert.deepEqual(Array.from(int8RoundTrip(served)), Array.from(served));
    assert.ok(serializeModel(loaded, {}, "int8").equals(int8));
  });

  it("loads int8 tables as views into the bytes, so threads that share the bytes share the tables", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-shared-"));
    try {
      const path = join(dir, "m.wdn");
      writeFileSync(path, serializeModel(tinyModel(), {}, "int8"));
      const shared = sharedModelBytes(path);
      assert.ok(shared instanceof SharedArrayBuffer);
      const [a, b] = [deserializeModel(Buffer.from(shared), path).model, deserializeModel(Buffer.from(shared), path).model];
      for (const m of [a, b]) {
        assert.ok(isInt8(m.classifier.weights) && isInt8(m.language.weights));
        assert.equal(m.classifier.weights.q.buffer, shared, "the table is the shared memory, not a copy");
      }
      assert.deepEqual(Array.from(toFloat32(a.classifier.weights)), Array.from(toFloat32(loadModelFile(path).model.classifier.weights)));
      assert.throws(() => sharedModelBytes(join(dir, "missing.wdn")), (err: unknown) => err instanceof WardenError && err.code === "MODEL_NOT_FOUND");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("quantizes a block of zeros to zeros and keeps each block's largest weight exactly", () => {
    const w = new Float32Array(2 * INT8_BLOCK + 10);
    w[INT8_BLOCK + 3] = -0.75;
    w[INT8_BLOCK + 4] = 0.001;
    const back = toFloat32(quantizeInt8(w));
    assert.ok(back.subarray(0, INT8_BLOCK).every((x) => x === 0));
    assert.equal(back[INT8_BLOCK + 3], Math.fround(-0.75));
    assert.equal(back[INT8_BLOCK + 4], 0, "far below the block's step: rounds to zero");
  });

  it("scores with int8 tables in memory exactly as with their dequantized float32 copy", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 3 * 1024, maxLength: 3 * 1024 }), fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { minLength: 1, maxLength: 60 }), (weights, buckets) => {
        const table = quantizeInt8(Float32Array.from(weights));
        const x = new SparseVector();
        x.ensure(buckets.length);
        [...buckets].sort((a, c) => a - c).forEach((b, k) => {
          x.indices[k] = b;
          x.values[k] = 1 + (b % 7) / 3;
        });
        x.length = buckets.length;
        const bias = Float32Array.of(0.5, -1, 0.25);
        const fromInt8 = new Float64Array(3);
        const fromFloat = new Float64Array(3);
        sparseDot(x, table, bias, fromInt8);
        sparseDot(x, toFloat32(table), bias, fromFloat);
        assert.deepEqual(Array.from(fromInt8), Array.from(fromFloat));
      }),
      { numRuns: 50 },
    );
  });
});
