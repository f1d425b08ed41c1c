import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { ATTACK_FAMILIES, attack } from "../../src/eval/attacks.js";
import { attackedWordShares } from "../../src/eval/word-equivalence.js";
import { loadDefaultModel } from "../../src/registry/registry.js";
import { normalize, normalizeText, toInputSpan, type Normalized } from "../../src/text/normalize.js";
import { mightChange } from "../../src/text/deobfuscate.js";
import { SPACING_ACCENT } from "../../src/text/fold.js";
import { Lexicon } from "../../src/text/lexicon.js";
import { REPO_ROOT } from "../helpers/shared.js";

function assertOffsets(input: string, n: Normalized): void {
  assert.equal(n.starts.length, n.text.length);
  assert.equal(n.ends.length, n.text.length);
  for (let i = 0; i < n.text.length; i++) {
    assert.ok(n.starts[i]! >= 0 && n.starts[i]! < n.ends[i]! && n.ends[i]! <= input.length, `span ${i} out of bounds`);
    if (i > 0) assert.ok(n.starts[i]! >= n.starts[i - 1]! && n.ends[i]! >= n.ends[i - 1]!, `span ${i} not monotone`);
  }
}

describe("normalize: folding", () => {
  it("applies NFKC and case folding, drops invisible characters, collapses spaces", () => {
    assert.equal(normalize("ＨＥＬＬＯ").text, "hello");
    assert.equal(normalize("i\u200bd\u200di\u2060o\u00adt").text, "idiot");
    assert.equal(normalize("a \t\n  b").text, "a b");
    assert.equal(normalize("\u202eevil\u202c").text, "evil");
    assert.equal(normalize("ΣΊΣΥΦΟΣ").text, normalize("σίσυφος").text);
    assert.equal(normalize("e\u0301").text, "\u00e9");
  });

  it("keeps genuine non-Latin text and legitimate accents", () => {
    assert.equal(normalize("Привет МИР").text, "привет мир");
    assert.equal(normalize("你好，世界").text, "你好,世界");
    assert.equal(normalize("Tiếng Việt, café, Straße, über").text, "tiếng việt, café, straße, über");
    assert.equal(normalize("ты тупой идиот").text, "ты тупой идиот");
    assert.equal(normalize("Είσαι ηλίθιος").text, "εισαι ηλιθιοσ");
    assert.equal(normalize("हिन्दी").text, "हिन्दी");
  });

  it("folds the Greek tonos, which writers mostly leave out, and keeps the dialytika; the basic level keeps both", () => {
    assert.equal(normalize("Τώρα είσαι ΜΑΛΆΚΑΣ").text, normalize("τωρα εισαι μαλακασ").text);
    assert.equal(normalize("παϊδάκια ΐ").text, "παϊδακια ϊ");
    // one unit for one: the offsets still point at the accented letters
    const n = normalize("καλά!");
    assert.deepEqual([n.text, n.starts[3], n.ends[3]], ["καλα!", 3, 4]);
    assert.equal(normalize("Είσαι", undefined, "basic").text, "είσαι");
    // a tonos written as a combining mark composes, then folds, in the same pass
    assert.equal(normalize("καλα\u0301 ΚΑΛΑ\u0301").text, "καλα καλα");
    assert.equal(normalize("καλα\u0301", undefined, "basic").text, "καλά");
  });

  it("keeps the spaces of Korean one-syllable words, and still rejoins syllables split by symbols", () => {
    assert.equal(normalize("연기는 잘 할 듯").text, "연기는 잘 할 듯");
    assert.equal(normalize("ㅋ 난 키 커요").text, normalize("ㅋ 난 키 커요", undefined, "basic").text);
    assert.equal(normalize("개.새.끼").text, "개새끼");
  });

  it("leaves laughter in scripts without look-alikes as written: its length is no disguise", () => {
    for (const laughter of ["영배야ㅋㅋㅋㅋㅋㅋ", "ههههههه جميل", "哈哈哈哈哈"]) {
      const n = normalize(laughter);
      assert.equal(n.text, normalize(laughter, undefined, "basic").text);
      assert.equal(n.signals.stretched, 0);
    }
    // Latin, Greek and Cyrillic stretching is still undone
    assert.equal(normalize("stuuuupid ηλίθιιιιος").text, "stupid ηλιθιοσ");
    // a run with no letter of its script beside it stretches no word: "ooo" blanks a name
    assert.equal(normalize("ooo들 모임이네, xxx").text, "ooo들 모임이네, xxx");
  });

  it("does not split a run of bare Hangul jamo into words: ㅋㅋㅋ is laughter, not deleted spaces", () => {
    const laughter = "진짜ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋ";
    const lexicon = new Lexicon([["ᄏᄏᄏ", 500], ["진짜", 300]]);
    assert.equal(normalize(laughter, lexicon).text, normalize(laughter, undefined, "basic").text);
  });

  it("leaves code-mixed words alone: letters with no look-alike in two scripts are no disguise", () => {
    assert.equal(normalize("ωραία η ζεμπεκια σου catάκι").text, "ωραια η ζεμπεκια σου catακι");
    assert.equal(normalize("#giatinpareaκαλησπέρα").text, "#giatinpareaκαλησπερα");
    assert.equal(normalize("#giatinpareaκαλησπέρα").signals.confusable, 0);
  });

  it("counts invisible characters only inside words: between emoji they are ordinary text", () => {
    assert.equal(normalize("i\u200bd\u200di\u2060o\u00adt").signals.invisible, 4);
    assert.equal(normalize("개\u200b새\u200b끼").signals.invisible, 2);
    const emoji = normalize("love you \u2764\ufe0f \u{1f468}\u200d\u{1f469}\u200d\u{1f467} \ufeffok\u200b ");
    assert.equal(emoji.text, "love you \u2764 \u{1f468}\u{1f469}\u{1f467} ok ");
    assert.equal(emoji.signals.invisible, 0);
    // the joiners that Devanagari and Persian spelling use between letters are no hiding either
    assert.equal(normalize("क्\u200dष می\u200cخواهم").signals.invisible, 0);
  });

  it("replaces lone surrogates instead of throwing", () => {
    assert.equal(normalize("a\ud800b").text, "a\ufffdb");
    assert.equal(normalize("\udc00").text, "\ufffd");
  });

  it("turns a line break or tab into a space before any script, not only before ASCII", () => {
    assert.equal(normalize("привет\nмир").text, "привет мир");
    assert.equal(normalize("bi\n🔘 muito").text, "bi 🔘 muito");
    assert.equal(normalize("x\t中文").text, "x 中文");
  });

  it("keeps a base and its marks together across characters it drops", () => {
    // a dropped control or zero-width character between them once left the mark floating,
    // and normalizing the output again attached it (CI found "A\u0000𑀀" → "a𑀀" → "a")
    assert.equal(normalize("A\u0000\u{11000}").text, "a");
    assert.equal(normalize("a\u200b\u0301").text, "\u00e1");
    assert.equal(normalize("a\t\u0301").text, "\u00e1");
  });

  it("attaches what NFKC turns into a mark to the letter before it, as NFKC of the whole text does", () => {
    assert.equal(normalize("ｶﾞｷ").text, "ガキ");
    assert.equal(normalize("น้ำ").text, "น้ำ".normalize("NFKC"));
  });

  it("keeps spacing accents as written: NFKC would split the word and leave a mark floating", () => {
    assert.equal(normalize("don´t").text, "don´t");
    assert.equal(normalize("(´･ω･`)").text, "(´・ω・`)");
    for (let c = 0; c < 0x110000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCodePoint(c);
      assert.equal(SPACING_ACCENT.test(ch), /^\s\p{M}+$/u.test(ch.normalize("NFKC")), `U+${c.toString(16)}`);
    }
  });

  it("repairs mojibake that folding brings together, and text encoded twice", () => {
    // "ßS\u030c" folds to "ßš", the Windows-1252 reading of the bytes of "ߚ"
    assert.equal(normalize("ßS\u030c").text, "\u07da");
    const twice = Buffer.from(Buffer.from("été", "utf8").toString("latin1"), "utf8").toString("latin1");
    assert.equal(normalize(twice).text, "été");
  });
});

describe("normalize: evasion", () => {
  const cases: Array<[string, string]> = [
    ["Ｙｏｕ ａｒｅ ａｎ 1d10t", "you are an idiot"],
    ["s t u p i d", "stupid"],
    ["s.t.u.p.i.d", "stupid"],
    ["s🤬t🤬u🤬p🤬i🤬d", "stupid"],
    ["idiоt", "idiot"], // Cyrillic о in a Latin word
    ["идиoт", "идиот"], // Latin o in a Cyrillic word
    ["stuuuupid", "stupid"],
    ["ꜱᴍᴀʟʟ ᴄᴀᴘꜱ", "small caps"],
    ["𝐛𝐨𝐥𝐝", "bold"],
    ["Ã©tÃ© cafÃ©", "été café"],
    ["Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет"],
    ["s̶t̶u̶p̶i̶d̶", "stupid"],
    ["$h1t", "shit"],
    ["b!tch", "bitch"],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(normalize(input).text, expected));
  }

  it("leaves numbers, mentions and punctuation alone", () => {
    assert.equal(normalize("covid19 win10 @user hello!").text, "covid19 win10 @user hello!");
    // A run of "!" at a word's end is punctuation, not a leet "i" ("Hello!!" once read "helloi!").
    assert.equal(normalize("Hello!! YOU IDIOT!!! stop!!").text, "hello!! you idiot!!! stop!!");
    assert.equal(normalize("||user").text, "||user");
    assert.equal(normalize("idiot!!").signals.leet, 0);
  });

  it("with a lexicon, weighs a word's edge symbols as punctuation against their leet readings", () => {
    const lexicon = new Lexicon([["am", 1379], ["ami", 35], ["idea", 400], ["ideal", 90], ["ok", 900], ["oki", 4], ["hi", 700], ["hill", 30], ["nazi", 103], ["naz", 6], ["bitch", 300], ["stupid", 500]]);
    // A known word followed by "!" keeps it as punctuation ("idea!" once read "ideal").
    assert.equal(normalize("here i am! what a stup!d idea! ok! hi!!", lexicon).text, "here i am! what a stupid idea! ok! hi!!");
    // A leet reading still wins where the bare stem is rarer than the reading.
    assert.equal(normalize("you naz!", lexicon).text, "you nazi");
    assert.equal(normalize("b!tch!", lexicon).text, "bitch!");
  });

  it("with a lexicon, reads number-like digits as letters only for a common word", () => {
    const lexicon = new Lexicon([["loh", 44], ["lor", 120], ["itr", 14], ["look", 5000], ["idiot", 500], ["the", 10_000_000], ["idgieaogetelkirill", 7]]);
    // a number before a unit, and a long number, stay numbers ("10h" once read "loh")
    assert.equal(normalize("at 10h, 10r away, 1tr usd", lexicon).text, "at 10h, 10r away, 1tr usd");
    assert.equal(normalize("[id613406373|kirill]", lexicon).text, "[id613406373|kirill]");
    // a common word still wins, and digits among letters are leet as before
    assert.equal(normalize("100k at this", lexicon).text, "look at this");
    assert.equal(normalize("1d10t", lexicon).text, "idiot");
    // without a lexicon the rules keep them as numbers too
    assert.equal(normalize("at 10h").text, "at 10h");
  });

  it("counts what it undid: hiding is evidence", () => {
    const s = normalize("y0u 1d10t, s.t.u.p.i.d").signals;
    assert.ok(s.leet >= 4 && s.split === 6, JSON.stringify(s));
    assert.equal(normalize("you idiot").signals.leet, 0);
  });

  it("maps every normalized character back to its input span", () => {
    const input = "ＢＡＤ\u200b w.o.r.d";
    const n = normalize(input);
    assert.equal(n.text, "bad word");
    assert.equal(input.slice(n.starts[0], n.ends[0]), "Ｂ");
    const bad = toInputSpan(n, 0, 3);
    assert.equal(input.slice(bad.start, bad.end), "ＢＡＤ");
    const word = toInputSpan(n, 4, 8);
    assert.equal(input.slice(word.start, word.end), "w.o.r.d");
  });
});

describe("normalize: properties (fast-check)", () => {
  it("never throws on any string, is idempotent, and its offsets are monotone and in bounds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const n = normalize(s);
        assert.equal(normalize(n.text).text, n.text);
        assertOffsets(s, n);
      }),
      { numRuns: 2000 },
    );
  });

  it("holds the same on attacked text of every family", () => {
    const words = fc.constantFrom("idiot", "stupid", "bitch", "Arschloch", "aptal", "идиот", "ηλίθιος", "bodoh", "idiota", "głupi", "hello", "friend");
    fc.assert(
      fc.property(fc.array(words, { minLength: 1, maxLength: 8 }), fc.constantFrom(...ATTACK_FAMILIES), fc.integer(), (ws, family, seed) => {
        const input = attack(ws.join(" "), family, seed);
        const n = normalize(input);
        assert.equal(normalize(n.text).text, n.text, `not idempotent on ${JSON.stringify(input)}`);
        assertOffsets(input, n);
      }),
      { numRuns: 1500 },
    );
  });

  it("gives the same text and signals without the offset map (normalizeText) as with it", () => {
    const lexicon = loadDefaultModel().model.lexicon;
    const words = fc.constantFrom("idiot", "stupid", "Arschloch", "идиот", "ηλίθιος", "youareanidiot", "hello", "Ã©tÃ©", "s t u p i d", "1d10t");
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.array(words, { minLength: 1, maxLength: 6 }).map((ws) => ws.join(" ")));
    fc.assert(
      fc.property(text, fc.constantFrom(...ATTACK_FAMILIES), fc.integer(), fc.constantFrom("full" as const, "basic" as const), fc.boolean(), (t, family, seed, level, withLexicon) => {
        const input = attack(t, family, seed);
        const full = normalize(input, withLexicon ? lexicon : undefined, level);
        assert.deepEqual(normalizeText(input, withLexicon ? lexicon : undefined, level), { text: full.text, signals: full.signals }, JSON.stringify(input));
      }),
      { numRuns: 1500 },
    );
  });

  it("decides whether to run the token pass as the one regular expression of its four triggers does", () => {
    // The specification the hand-written scan replaced (it tried all four alternatives at every position).
    const spec = new RegExp(
      [
        "(?<![\\p{L}\\p{M}\\p{N}])\\p{L}[^\\p{L}\\p{M}\\p{N}'’ʼ`´]{1,3}\\p{L}[^\\p{L}\\p{M}\\p{N}'’ʼ`´]{1,3}\\p{L}(?![\\p{L}\\p{M}\\p{N}])",
        "[\\p{L}\\p{M}][0-9@$!|*#%]|[0-9$][\\p{L}]",
        "([\\p{Script=Latin}\\p{Script=Greek}\\p{Script=Cyrillic}])\\1\\1",
        "[\\u0250-\\u02af\\u1d00-\\u1dbf\\ua720-\\ua7ff]",
      ].join("|"),
      "u",
    );
    // Dense in what each trigger reads: letters of several scripts (astral ones too), marks,
    // digits (and digits that are not 0-9), leet and mask symbols, separators, apostrophes,
    // look-alike letters at the edges of their ranges, lone surrogates.
    const pieces = [..."abcxyzABé0123456789٣@$!|*#%. -_/,'’ʼ`´\u0301\u0308аоπωᾶ한中ªɐʯᴀᶿ꜠ꟿ\u024f\u02b0\u1cff\u1dc0\ua71f\ua800", "𝐀", "𐌰", "😀", "\ud800", "\udc00"];
    const piece = fc.oneof(fc.constantFrom(...pieces), fc.constantFrom(...pieces).map((p) => p.repeat(3)));
    // and short strings of what split letters are made of, so that each rule at their edges is met often
    const split = fc.array(fc.constantFrom(..."abé1а𝐀'’`´ .-\u0301"), { maxLength: 9 }).map((ps) => ps.join(""));
    const text = fc.oneof(fc.array(piece, { maxLength: 14 }).map((ps) => ps.join("")), split, fc.string({ unit: "binary", maxLength: 40 }));
    fc.assert(
      // code points as the /u expression reads them: a lone surrogate is one of its own
      fc.property(text, (t) => assert.equal(mightChange(Int32Array.from(t, (ch) => ch.codePointAt(0)!)), spec.test(t), JSON.stringify(t))),
      { numRuns: 20000 },
    );
  });

  it("is idempotent on dense mixes of what each pass acts on, with and without a lexicon", () => {
    // random code points seldom put a mark after a leet digit or a homoglyph beside a
    // look-alike letter; these strings are made of nothing else
    const lexicon = loadDefaultModel().model.lexicon;
    const pieces = [..."aeiokstuxyAEHKMOPT0134578@$!|*#%.-_ ,\n\t\u200b\u00ad\u0000\u034f\u0301\u0308\u0336\u093eаеорсхАВЕКМНОРСТХαεικνορτυχΑΒΕΗΙΚΝΡΤΧάίόςÃÂ©€šŠßİıʜᴀꜱＡ𝐚ำﾞｶ´῍ㅋ哈ه"];
    const piece = fc.oneof(fc.constantFrom(...pieces), fc.constantFrom(...pieces), fc.constantFrom("idiot", "stupid", "kill", "you", "идиот", "ηλίθιος"));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.boolean(), (parts, withLexicon) => {
        const input = parts.join("");
        const lex = withLexicon ? lexicon : undefined;
        const n = normalize(input, lex);
        assert.equal(normalize(n.text, lex).text, n.text, `not idempotent on ${JSON.stringify(input)}`);
        assertOffsets(input, n);
      }),
      { numRuns: 3000 },
    );
  });

  it("handles 100,000 characters from every plane", () => {
    const planes = Array.from({ length: 17 }, (_, p) => String.fromCodePoint(p * 0x10000 + 0x41 + p));
    const big = Array.from({ length: 100_000 / 4 }, (_, i) => (i % 7 === 0 ? "\ud800" : planes[i % 17]!) + "a\u0301 ").join("").slice(0, 100_000);
    const n = normalize(big);
    assertOffsets(big, n);
  });
});

describe("normalize: attacked words read like clean words", () => {
  // 150 frequent words of each of 9 languages of the shared training data (test/fixtures/words.tsv).
  const words = readFileSync(resolve(REPO_ROOT, "test/fixtures/words.tsv"), "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split("\t") as [string, string]);
  const shares = attackedWordShares(words, loadDefaultModel().model.lexicon);
  after(() => console.log(`# attacked words normalized like the clean word:\n# ${shares.map((s) => `${s.family} ${(s.share * 100).toFixed(1)}%`).join(", ")}`));

  it("covers at least 1,000 words in at least five languages", () => {
    assert.ok(words.length >= 1000 && new Set(words.map(([l]) => l)).size >= 5);
  });
  for (const s of shares) {
    it(`${s.family}: at least 95% of words`, () => assert.ok(s.share >= 0.95, `${(s.share * 100).toFixed(1)}%: ${s.misses.join("; ")}`));
  }
});
