import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodedOnce, pack, unpack, unpackJson } from "../../src/pipeline/codec.js";

describe("step output codec", () => {
  it("round-trips JSON, typed arrays bit for bit, and strings unit for unit", () => {
    const f32 = new Float32Array([0.1, -0, NaN, Infinity, 1e-40, 3.4e38]);
    const f64 = new Float64Array([Math.PI, -0, Number.MIN_VALUE]);
    const texts = ["plain", "", "emoji 🤬", "lone \ud800 surrogate", "tail \udc00", "ünïcödé\n\ttabs"];
    const out = unpack(pack({ json: { a: [1, "x"], n: null }, columns: { f32, f64, u8: Uint8Array.of(0, 255), u16: Uint16Array.of(65535) }, strings: { texts } }));
    assert.deepEqual(out.json, { a: [1, "x"], n: null });
    assert.deepEqual(Buffer.from((out.columns.f32 as Float32Array).buffer), Buffer.from(f32.buffer));
    assert.deepEqual(Buffer.from((out.columns.f64 as Float64Array).buffer), Buffer.from(f64.buffer));
    assert.deepEqual([...out.columns.u8!], [0, 255]);
    assert.deepEqual([...out.columns.u16!], [65535]);
    assert.deepEqual(out.strings.texts, texts);
  });

  it("reads the JSON alone, and refuses what it did not write", () => {
    assert.deepEqual(unpackJson(pack({ json: { report: 1 }, strings: { t: ["x"] } })), { report: 1 });
    assert.throws(() => unpack(Buffer.from("not a packed output")), /WPK1/);
  });

  it("decodes a buffer once however often it is asked", () => {
    let calls = 0;
    const decode = decodedOnce((b: Buffer) => (calls++, b.length));
    const buf = Buffer.from("abc");
    assert.equal(decode(buf), 3);
    assert.equal(decode(buf), 3);
    assert.equal(calls, 1);
  });
});
