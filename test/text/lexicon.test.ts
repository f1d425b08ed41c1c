import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
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

  it("with a language, matches the most frequent of that language's words first, else of all", () => {
    const lex = new Lexicon([["shit", 900, "en"], ["such", 800, "en"], ["sich", 500, "de"], ["sont", 40, "fr"], ["sent", 90, "en"]]);
    assert.equal(lex.match(["s", null, "c", "h"], "de"), "sich");
    assert.equal(lex.match(["s", null, "c", "h"], "en"), "such");
    assert.equal(lex.match(["s", null, "c", "h"]), "such");
    assert.equal(lex.match(["s", null, "n", "t"], "fr"), "sont");
    assert.equal(lex.match(["s", null, "i", "t"], "de"), "shit", "no German word matches: the most frequent of all");
    assert.ok(lex.knowsLanguages && !lexicon.knowsLanguages);
    assert.equal(normalize("ich s*ch", lex, "full", "de").text, "ich sich");
    assert.equal(normalize("ich s*ch", lex).text, "ich such");
    assert.equal(normalize("ich s*ch", lex, "full", "de").signals.masked, 1);
  });

  it("matches exactly as a scan over every word of the length would, ties to the first word, unknown ends included", () => {
    // Words over a small alphabet, many sharing length and ends, with tied counts.
    const word = fc.array(fc.constantFrom("a", "b", "c", "ä", "𝐚"), { minLength: 1, maxLength: 6 }).map((us) => us.join(""));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(word, fc.integer({ min: 1, max: 4 })), { selector: ([w]) => w, minLength: 1, maxLength: 60 }), fc.array(fc.option(fc.constantFrom("a", "b", "c", "ä", "𝐚"), { nil: null }), { minLength: 1, maxLength: 6 }), (entries, pattern) => {
        const lex = new Lexicon(entries);
        // The oracle: every word of the pattern's length, in the lexicon's order, the first of the highest count.
        let want: string | undefined;
        let wantCount = 0;
        for (const [w, n] of entries) {
          if (w.length !== pattern.length || !pattern.every((u, i) => u === null || u === w[i])) continue;
          if (n > wantCount) [want, wantCount] = [w, n];
        }
        assert.equal(lex.match(pattern), want, JSON.stringify({ entries, pattern }));
      }),
      { numRuns: 3000 },
    );
  });

  it("built in slices (as a serving process loads one), answers exactly as one built at once, repeated words included", async () => {
    const word = fc.array(fc.constantFrom("a", "b", "c", "ä", "𝐚"), { minLength: 1, maxLength: 6 }).map((us) => us.join(""));
    const pattern = fc.array(fc.option(fc.constantFrom("a", "b", "c", "ä", "𝐚"), { nil: null }), { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(word, fc.integer({ min: 1, max: 4 }), fc.constantFrom("x", "y")), { maxLength: 25_000 }), fc.array(pattern, { maxLength: 20 }), async (entries, patterns) => {
        const once = new Lexicon(entries);
        const sliced = await Lexicon.builtInSlices(entries);
        assert.deepEqual(sliced.entries(), once.entries());
        assert.deepEqual(sliced.firstWords(5), once.firstWords(5));
        assert.equal(sliced.maxLength, once.maxLength);
        for (const p of patterns) assert.equal(sliced.match(p), once.match(p), JSON.stringify(p));
        for (const p of patterns) assert.equal(sliced.match(p, "x"), once.match(p, "x"), JSON.stringify(p));
        for (const p of patterns) assert.equal(sliced.log10P(p.join("")), once.log10P(p.join("")));
      }),
      { numRuns: 60 },
    );
    // Many slices' worth: 50,000 entries over a small alphabet (repeats, shared lengths and ends).
    const many = Array.from({ length: 50_000 }, (_, i) => [((i * 7919) % 20_000).toString(5).replace(/[0-4]/g, (d) => "abcäe"[Number(d)]!), i % 7] as const);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const sliced = await Lexicon.builtInSlices(many);
    clearInterval(ticker);
    assert.ok(turns >= 3, `it goes back to the event loop while it builds: timers ran ${turns} times`);
    const once = new Lexicon(many);
    assert.deepEqual(sliced.entries(), once.entries());
    for (const [w] of many.slice(0, 2000)) {
      const masked = [...w].map((u, i) => (i > 0 && i < w.length - 1 && i % 2 === 1 ? null : u));
      assert.equal(sliced.match(masked), once.match(masked), w);
    }
  });

  it("builds from texts, counting words and keeping the frequent ones, most frequent first", () => {
    const built = buildLexicon(["the cat the dog", "the cat", "a dog"], undefined, 2);
    assert.deepEqual(built.entries(), [["the", 3], ["cat", 2], ["dog", 2]]);
  });

  it("with the texts' languages, gives each word the language it is most frequent in relative to that language's words", () => {
    // "sent" is counted more often in English, but is a larger share of the French words
    const en = ["sent the letter", "he sent it", "they sent them the mail", "the day", "the way"];
    const fr = ["il sent bon", "ça sent"];
    const built = buildLexicon([...en, ...fr], [...en.map(() => "en"), ...fr.map(() => "fr")], 1);
    const home = new Map(built.entries().map(([w, , lang]) => [w, lang]));
    assert.deepEqual([home.get("the"), home.get("sent"), home.get("bon")], ["en", "fr", "fr"]);
    assert.equal(buildLexicon([...en, ...fr], undefined, 1).knowsLanguages, false);
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
