import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { declarationParagraphs, udhrWindows } from "../../src/data/udhr.js";
import { trainLanguageModel } from "../../src/model/langid.js";
import { normalize } from "../../src/text/normalize.js";

describe("Universal Declaration text for languages the data lacks", () => {
  it("reads paragraphs and headings out of the declaration's HTML, entities decoded", () => {
    const html = "<h2>Art&iacute;culo 1</h2>\n<p>Todos los seres <em>humanos</em> nacen &amp; libres</p><li>uno</li><div>no</div>";
    assert.deepEqual(declarationParagraphs(html), ["Art&iacute;culo 1", "Todos los seres humanos nacen & libres", "uno"]);
  });

  it("keeps the held-out paragraphs apart from the training ones", () => {
    for (const lang of ["es", "it", "nl"]) {
      const train = new Set(udhrWindows(lang, "train"));
      const heldout = udhrWindows(lang, "heldout");
      assert.ok(train.size > 100 && heldout.length > 50, `${lang}: ${train.size} training and ${heldout.length} held-out windows`);
      assert.equal(heldout.filter((w) => train.has(w)).length, 0);
      assert.ok([...train].every((w) => w.split(" ").length <= 10));
    }
  });

  it("teaches the language identifier languages it can then tell apart on held-out text", () => {
    const texts: string[] = [];
    const langs: string[] = [];
    for (const lang of ["es", "it", "nl", "pt", "fr"]) {
      for (const w of udhrWindows(lang, "train")) {
        texts.push(normalize(w).text);
        langs.push(lang);
      }
    }
    const model = trainLanguageModel(texts, langs);
    for (const lang of ["es", "it", "nl", "pt", "fr"]) {
      const heldout = udhrWindows(lang, "heldout");
      const right = heldout.filter((w) => model.identify(normalize(w).text).lang === lang).length;
      assert.ok(right / heldout.length >= 0.9, `${lang}: ${right} of ${heldout.length}`);
    }
  });

  it("refuses a language it has no declaration for, naming it", () => {
    assert.throws(() => udhrWindows("xx", "train"), /"xx"/);
  });
});
