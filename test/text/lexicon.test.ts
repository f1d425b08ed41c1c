import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Lexicon, buildLexicon } from "../../src/text/lexicon.js";
import { normalize } from "../../src/text/normalize.js";

const lexicon = new Lexicon([
  ["you", 900], ["are", 800], ["an", 700], ["a", 650], ["idiot", 300], ["i", 600], ["hate", 120], ["all", 400],
  ["will", 200], ["wil", 2], ["good", 300], ["god", 80], ["fuck", 150], ["feck", 3], ["kill", 90], ["kiii", 1], ["the", 1000],
]);

describe("Lexicon", () => {
  it("splits a run whose spaces were deleted into known words", () => {
    assert.deepEqual(lexicon.segment("youareanidiot"), ["you", "are", "an", "idiot"]);
    assert.equal(lexicon.segment("idiot"), null, "a known word stays whole");
    assert.equal(lexicon.segment("qwzxvbnmlk"), null, "no known pieces: stays whole");
  });

  it("matches masked letters to the most frequent known word", () => {
    assert.equal(lexicon.match(["f", null, "c", "k"]), "fuck");
    assert.equal(lexicon.match(["z", null, "z"]), undefined);
  });

  it("builds from texts, counting words and keeping the frequent ones, most frequent first", () => {
    const built = buildLexicon(["the cat the dog", "the cat", "a dog"], 2);
    assert.deepEqual(built.entries(), [["the", 3], ["cat", 2], ["dog", 2]]);
  });
});

describe("normalize with a lexicon", () => {
  const cases: Array<[string, string]> = [
    ["youareanidiot", "you are an idiot"],
    ["ki11 the 1d10t", "kill the idiot"], // 1 read as l where the lexicon says so
    ["f*ck you", "fuck you"],
    ["gooooood", "good"],
    ["wiiiiill", "will"],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(normalize(input, lexicon).text, expected));
  }

  it("keeps offsets exact through inserted spaces", () => {
    const input = "YOUAREANIDIOT!";
    const n = normalize(input, lexicon);
    assert.equal(n.text, "you are an idiot!");
    const idiot = n.text.indexOf("idiot");
    assert.equal(input.slice(n.starts[idiot]!, n.ends[idiot + 4]!), "IDIOT");
  });
});
