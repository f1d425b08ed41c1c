import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FeatureExtractor, FeatureTrace, SparseVector, unscaledValue } from "../../src/features/extract.js";

describe("FeatureExtractor", () => {
  const fx = new FeatureExtractor({ bits: 20, charMin: 1, charMax: 5, wordNgrams: 2 });

  it("gives sorted unique indices in range and a unit-norm vector", () => {
    const x = new SparseVector();
    fx.extract("you are an idiot you are", x);
    let sq = 0;
    for (let k = 0; k < x.length; k++) {
      assert.ok(x.indices[k]! < 1 << 20);
      if (k > 0) assert.ok(x.indices[k]! > x.indices[k - 1]!);
      sq += x.values[k]! ** 2;
    }
    assert.ok(Math.abs(sq - 1) < 1e-5);
  });

  it("is deterministic and sensitive to the text", () => {
    const a = new SparseVector();
    const b = new SparseVector();
    fx.extract("hello world", a);
    fx.extract("hello world", b);
    assert.deepEqual(a.indices.subarray(0, a.length), b.indices.subarray(0, b.length));
    fx.extract("hello there", b);
    assert.notDeepEqual(a.indices.subarray(0, a.length), b.indices.subarray(0, b.length));
  });

  it("traces each occurrence to a span of the text", () => {
    const x = new SparseVector();
    const t = new FeatureTrace();
    const text = "bad word";
    fx.extract(text, x);
    fx.traceOnly(text, t);
    // char n-grams: 5 lengths over 10 padded positions minus the space unigrams and the cut-off tails; words: 2 + 1 bigram
    assert.ok(t.length > 30);
    for (let k = 0; k < t.length; k++) assert.ok(t.start[k]! >= 0 && t.end[k]! <= text.length && t.start[k]! <= t.end[k]!);
    // The trace covers exactly the vector's buckets.
    assert.deepEqual(new Set(t.index.subarray(0, t.length)), new Set(x.indices.subarray(0, x.length)));
  });

  // The vector from first principles: count every occurrence the trace lists, 1 + ln(count), sorted, unit norm.
  function referenceVector(ex: FeatureExtractor, text: string, namespace: number): { indices: number[]; values: number[] } {
    const t = new FeatureTrace();
    ex.traceOnly(text, t, namespace);
    const counts = new Map<number, number>();
    for (let k = 0; k < t.length; k++) counts.set(t.index[k]!, (counts.get(t.index[k]!) ?? 0) + 1);
    const indices = [...counts.keys()].sort((a, b) => a - b);
    const raw = indices.map((i) => unscaledValue(counts.get(i)!));
    const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0));
    return { indices, values: raw.map((v) => Math.fround(Math.fround(v) * (1 / norm))) };
  }

  it("merges and sorts exactly, for short texts (bucket sort) and long ones (radix sort)", () => {
    const small = new FeatureExtractor({ bits: 12, charMin: 1, charMax: 5, wordNgrams: 2 });
    const x = new SparseVector();
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ minLength: 900, maxLength: 2500 }), fc.stringMatching(/^(ab ){1,900}$/));
    fc.assert(
      fc.property(text, fc.constantFrom(0, 0x9e3779b1), fc.constantFrom(fx, small), (s, ns, ex) => {
        ex.extract(s, x, ns);
        const want = referenceVector(ex, s, ns);
        assert.deepEqual([...x.indices.subarray(0, x.length)], want.indices);
        assert.deepEqual([...x.values.subarray(0, x.length)], want.values);
      }),
      { numRuns: 150 },
    );
  });

  it("rejects bad settings with a message naming them", () => {
    assert.throws(() => new FeatureExtractor({ bits: 40, charMin: 1, charMax: 5, wordNgrams: 2 }), /features.bits must be an integer in 8..26. Got 40/);
  });
});
