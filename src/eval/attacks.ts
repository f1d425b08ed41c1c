/**
 * The attack suite: deterministic, seeded transformations that imitate how people
 * dodge moderation (and how benign text gets mangled). Each family rewrites a text;
 * word-level families attack a share of its words (at least one), as an attacker
 * disguises the words that matter, not every word.
 *
 * Used by `warden eval --attacks` (F1 under attack) and by the normalizer's tests
 * (attacked words must normalize like clean ones).
 */
import { hashString } from "../features/hash.js";
import { mulberry32 } from "../model/shuffle.js";

export type Rand = () => number;

export interface AttackFamily {
  readonly name: string;
  readonly description: string;
  /** Undone by normalization (vs. attacks only robust features can absorb). */
  readonly normalizable: boolean;
  /** Rewrite one word. */
  readonly word?: (word: string, rand: Rand) => string;
  /** Rewrite a whole text (families that are not per word). */
  readonly text?: (text: string, rand: Rand) => string;
}

const LEET_OUT: Record<string, string[]> = { a: ["4", "@"], e: ["3"], i: ["1", "!"], o: ["0"], s: ["5", "$"], t: ["7"], l: ["1"], g: ["9"], b: ["8"] };
const CYRILLIC_LOOKALIKE: Record<string, string> = { a: "а", c: "с", e: "е", i: "і", j: "ј", o: "о", p: "р", s: "ѕ", x: "х", y: "у", h: "һ" };
const INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"];
const SMALL_CAPS: Record<string, string> = {
  a: "ᴀ", b: "ʙ", c: "ᴄ", d: "ᴅ", e: "ᴇ", f: "ꜰ", g: "ɢ", h: "ʜ", i: "ɪ", j: "ᴊ", k: "ᴋ", l: "ʟ", m: "ᴍ",
  n: "ɴ", o: "ᴏ", p: "ᴘ", r: "ʀ", s: "ꜱ", t: "ᴛ", u: "ᴜ", v: "ᴠ", w: "ᴡ", y: "ʏ", z: "ᴢ",
};
const EMOJI_SEPARATORS = ["🤬", "💩", "🔥", "👉"];
const BENIGN_TAIL = ["love", "peace", "thank you", "have a nice day", "friends", "happy"];
const CP1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

const LETTER = /\p{L}/u;
const VOWEL = /[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýąęıœаеёиоуыэюяαεηιουωάέήίόύώ]/iu;
const pick = <T>(xs: readonly T[], rand: Rand): T => xs[Math.floor(rand() * xs.length)]!;
const chars = (w: string): string[] => Array.from(w);

/** Apply `f` to each letter with probability p, at least once when any letter qualifies. */
function someLetters(word: string, rand: Rand, p: number, f: (ch: string) => string | undefined): string {
  const cs = chars(word);
  const eligible = cs.map((c, i) => (f(c) !== undefined ? i : -1)).filter((i) => i >= 0);
  if (eligible.length === 0) return word;
  const chosen = new Set(eligible.filter(() => rand() < p));
  if (chosen.size === 0) chosen.add(pick(eligible, rand));
  return cs.map((c, i) => (chosen.has(i) ? f(c)! : c)).join("");
}

function mapLetters(text: string, f: (ch: string) => string | undefined): string {
  return chars(text).map((c) => f(c) ?? c).join("");
}

function mathBold(ch: string): string | undefined {
  const c = ch.codePointAt(0)!;
  if (c >= 0x61 && c <= 0x7a) return String.fromCodePoint(0x1d41a + c - 0x61);
  if (c >= 0x41 && c <= 0x5a) return String.fromCodePoint(0x1d400 + c - 0x41);
  if (c >= 0x30 && c <= 0x39) return String.fromCodePoint(0x1d7ce + c - 0x30);
  return undefined;
}

function fullwidth(ch: string): string | undefined {
  const c = ch.charCodeAt(0);
  return c >= 0x21 && c <= 0x7e ? String.fromCharCode(c + 0xfee0) : undefined;
}

/** UTF-8 bytes read as Windows-1252 (the classic mojibake). */
export function toMojibake(text: string): string {
  return Array.from(Buffer.from(text, "utf8"), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : String.fromCharCode(b))).join("");
}

function interleave(word: string, sep: () => string): string {
  const cs = chars(word);
  return cs.map((c, i) => (i < cs.length - 1 ? c + sep() : c)).join("");
}

export const ATTACK_FAMILIES: readonly AttackFamily[] = [
  {
    name: "leet",
    description: "letters replaced by look-alike digits and symbols (1d10t, $h1t)",
    normalizable: true,
    word: (w, r) => someLetters(w, r, 0.5, (c) => (LEET_OUT[c.toLowerCase()] ? pick(LEET_OUT[c.toLowerCase()]!, r) : undefined)),
  },
  {
    name: "homoglyph",
    description: "Latin letters replaced by Cyrillic look-alikes (idiоt with a Cyrillic о)",
    normalizable: true,
    word: (w, r) => someLetters(w, r, 0.4, (c) => CYRILLIC_LOOKALIKE[c]),
  },
  {
    name: "zero-width",
    description: "invisible characters between letters (zero-width space, joiners, soft hyphen)",
    normalizable: true,
    word: (w, r) => interleave(w, () => (r() < 0.6 ? pick(INVISIBLE, r) : "")),
  },
  { name: "spaced", description: "letters split by spaces (s t u p i d)", normalizable: true, word: (w) => interleave(w, () => " ") },
  {
    name: "dotted",
    description: "letters split by dots, dashes, underscores, asterisks or emoji (s.t.u.p.i.d)",
    normalizable: true,
    word: (w, r) => {
      const sep = pick([".", "-", "_", "*", pick(EMOJI_SEPARATORS, r)], r);
      return interleave(w, () => sep);
    },
  },
  {
    name: "stretched",
    description: "a letter repeated many times (stuuuupid)",
    normalizable: true,
    word: (w, r) => {
      const cs = chars(w);
      const letters = cs.map((c, i) => (LETTER.test(c) ? i : -1)).filter((i) => i >= 0);
      if (letters.length === 0) return w;
      const i = pick(letters, r);
      return cs.map((c, k) => (k === i ? c.repeat(3 + Math.floor(r() * 4)) : c)).join("");
    },
  },
  {
    name: "masked",
    description: "one inner letter, a vowel where there is one, masked by a symbol (f*ck, stup#d)",
    normalizable: true,
    word: (w, r) => {
      const cs = chars(w);
      if (cs.length < 4) return w;
      const inner = cs.map((_, k) => k).slice(1, -1);
      const vowels = inner.filter((k) => VOWEL.test(cs[k]!));
      const i = pick(vowels.length > 0 ? vowels : inner, r);
      return cs.map((c, k) => (k === i ? pick(["*", "#", "%"], r) : c)).join("");
    },
  },
  { name: "fullwidth", description: "ｆｕｌｌｗｉｄｔｈ letters", normalizable: true, text: (t) => mapLetters(t, fullwidth) },
  { name: "math-bold", description: "𝐛𝐨𝐥𝐝 mathematical letters", normalizable: true, text: (t) => mapLetters(t, mathBold) },
  { name: "small-caps", description: "ꜱᴍᴀʟʟ ᴄᴀᴘꜱ letters", normalizable: true, text: (t) => mapLetters(t.toLowerCase(), (c) => SMALL_CAPS[c]) },
  {
    name: "combining",
    description: "piles of three to five combining marks on letters (z̷̢̛a̸̡̕l̶̨̛g̵̡̛o̴̢̕)",
    normalizable: true,
    word: (w, r) =>
      chars(w)
        .map((c) => (LETTER.test(c) ? c + Array.from({ length: 3 + Math.floor(r() * 3) }, () => String.fromCharCode(0x300 + Math.floor(r() * 0x70))).join("") : c))
        .join(""),
  },
  { name: "mojibake", description: "UTF-8 read as Windows-1252 (Ã© for é)", normalizable: true, text: (t) => toMojibake(t) },
  {
    name: "mixed-case",
    description: "rAnDoM cAsE",
    normalizable: true,
    text: (t, r) => mapLetters(t, (c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())),
  },
  { name: "no-spaces", description: "all spaces deleted (youareanidiot)", normalizable: false, text: (t) => t.replace(/\s+/g, "") },
  {
    name: "benign-words",
    description: 'friendly words appended ("… love", Gröndahl et al. 2018)',
    normalizable: false,
    text: (t, r) => `${t} ${pick(BENIGN_TAIL, r)}`,
  },
  {
    name: "typos",
    description: "adjacent letters swapped, dropped or doubled",
    normalizable: false,
    word: (w, r) => {
      const cs = chars(w);
      if (cs.length < 4) return w;
      const i = 1 + Math.floor(r() * (cs.length - 2));
      const op = r();
      if (op < 0.4) [cs[i], cs[i + 1]] = [cs[i + 1]!, cs[i]!];
      else if (op < 0.7) cs.splice(i, 1);
      else cs.splice(i, 0, cs[i]!);
      return cs.join("");
    },
  },
];

/** Share of eligible words a word-level family rewrites (at least one per text). */
const WORD_SHARE = 0.35;

/** Attack one text with one family, deterministically (seeded by the text and family). */
export function attack(text: string, family: AttackFamily, seed = 1): string {
  const rand = mulberry32(hashString(text, hashString(family.name, seed)));
  if (family.text) return family.text(text, rand);
  const parts = text.split(/(\s+)/);
  const words = parts.map((p, i) => (i % 2 === 0 && chars(p).filter((c) => LETTER.test(c)).length >= 3 ? i : -1)).filter((i) => i >= 0);
  if (words.length === 0) return text;
  const chosen = new Set(words.filter(() => rand() < WORD_SHARE));
  if (chosen.size === 0) chosen.add(pick(words, rand));
  return parts.map((p, i) => (chosen.has(i) ? family.word!(p, rand) : p)).join("");
}

/** Attack a single word (for the normalizer's word-level checks). */
export function attackWord(word: string, family: AttackFamily, seed = 1): string {
  const rand = mulberry32(hashString(word, hashString(family.name, seed)));
  return family.word ? family.word(word, rand) : family.text!(word, rand);
}
