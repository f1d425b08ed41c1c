import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { normalize, toInputSpan } from "../../src/text/normalize.js";

describe("normalize", () => {
  it("applies NFKC and case folding, drops invisible characters, collapses spaces", () => {
    assert.equal(normalize("ＨＥＬＬＯ").text, "hello");
    assert.equal(normalize("i\u200bd\u200di\u2060o\u00adt").text, "idiot");
    assert.equal(normalize("a \t\n  b").text, "a b");
    assert.equal(normalize("\u202eevil\u202c").text, "evil");
    assert.equal(normalize("ΣΊΣΥΦΟΣ").text, normalize("σίσυφος").text);
    assert.equal(normalize("e\u0301").text, "\u00e9");
  });

  it("keeps genuine non-Latin text intact apart from case", () => {
    assert.equal(normalize("Привет МИР").text, "привет мир");
    assert.equal(normalize("你好，世界").text, "你好,世界");
  });

  it("maps every normalized character back to its input span", () => {
    const input = "ＢＡＤ\u200b word";
    const n = normalize(input);
    assert.equal(n.text, "bad word");
    assert.equal(input.slice(n.starts[0], n.ends[0]), "Ｂ");
    const span = toInputSpan(n, 0, 3);
    assert.equal(input.slice(span.start, span.end), "ＢＡＤ");
  });

  it("replaces lone surrogates instead of throwing", () => {
    assert.equal(normalize("a\ud800b").text, "a\ufffdb");
    assert.equal(normalize("\udc00").text, "\ufffd");
  });

  it("never throws, is idempotent, and its offsets are monotone and in bounds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const n = normalize(s);
        assert.equal(normalize(n.text).text, n.text);
        assert.equal(n.starts.length, n.text.length);
        for (let i = 0; i < n.text.length; i++) {
          assert.ok(n.starts[i]! >= 0 && n.starts[i]! < n.ends[i]! && n.ends[i]! <= s.length);
          if (i > 0) assert.ok(n.starts[i]! >= n.starts[i - 1]!);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
