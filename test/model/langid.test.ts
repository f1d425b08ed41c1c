import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trainLanguageModel } from "../../src/model/langid.js";
import { normalize } from "../../src/text/normalize.js";

const samples: Record<string, string[]> = {
  en: ["you are my friend", "the weather is nice today", "where are you going tonight", "thank you very much", "this is a good idea"],
  de: ["du bist mein freund", "das wetter ist heute schön", "wohin gehst du heute abend", "vielen dank für alles", "das ist eine gute idee"],
  tr: ["sen benim arkadaşımsın", "bugün hava çok güzel", "bu akşam nereye gidiyorsun", "çok teşekkür ederim", "bu iyi bir fikir"],
  ru: ["ты мой друг", "сегодня хорошая погода", "куда ты идёшь сегодня вечером", "большое спасибо", "это хорошая идея"],
};

describe("LanguageModel", () => {
  const texts: string[] = [];
  const langs: string[] = [];
  for (let rep = 0; rep < 20; rep++) {
    for (const [lang, list] of Object.entries(samples)) {
      for (const t of list) {
        texts.push(normalize(t).text);
        langs.push(lang);
      }
    }
  }
  const model = trainLanguageModel(texts, langs);

  it("identifies the languages it was trained on", () => {
    assert.equal(model.identify(normalize("thank you my friend").text).lang, "en");
    assert.equal(model.identify(normalize("danke mein freund").text).lang, "de");
    assert.equal(model.identify(normalize("teşekkürler arkadaşım").text).lang, "tr");
    assert.equal(model.identify(normalize("спасибо друг").text).lang, "ru");
  });

  it('answers "unknown" without letters, and "ja" for kana', () => {
    assert.equal(model.identify("12345 !!!").lang, "unknown");
    assert.equal(model.identify("ありがとう").lang, "ja");
  });

  it("is deterministic", () => {
    const again = trainLanguageModel(texts, langs);
    assert.deepEqual(again.weights, model.weights);
  });
});
