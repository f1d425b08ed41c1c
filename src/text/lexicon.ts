/**
 * A lexicon of known words (normalized, with their training-data counts) that lets the
 * normalizer settle what rules alone cannot: whether "1" in "ki11" is an l or an i,
 * whether "goooood" was "god" or "good", which letter "f*ck" hides. Among the
 * candidate spellings, the most frequent known word wins; with no known candidate the
 * rule-based default stands.
 *
 * A word may carry the language it is most at home in (the one whose texts use it most,
 * relative to their size). A masked letter read in a language's text then prefers that
 * language's words: in German "s*ch" is "sich", not the English "such" that is more
 * frequent over all the data.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";

/**
 * The least mean log10 unigram probability of a segmentation's pieces: stricter for
 * word-length runs, where a rare compound is likelier than deleted spaces, than for
 * message-length runs, which no real word reaches.
 */
const MIN_MEAN_LOG10_P_WORD = -4.3;
const MIN_MEAN_LOG10_P_LONG = -5;
const LONG_RUN_LENGTH = 25;
const SEGMENT_CACHE_LIMIT = 50_000;
const MAX_UNKNOWN_PIECE = 6;
const LEXICON_SLICE = 5_000;

/** A known word, its count, and the language it is most at home in (when the lexicon knows languages). */
export type LexiconEntry = readonly [word: string, count: number, lang?: string];

export class Lexicon {
  private readonly counts: Map<string, number>;
  /** Each word's home language; empty when the lexicon was built without languages. */
  private readonly homes: Map<string, string>;
  /**
   * For masked-letter matching, built on the first match (most texts have no mask, and a
   * lexicon is built on every model load and in every worker): words by length and first
   * and last unit (endsKey). A masked letter is never a word's first or last, so a match
   * reads one short list instead of every word of its length (which let a message of
   * masked words cost a millisecond per word). Every list keeps the lexicon's order, so
   * ties resolve the same.
   */
  private byEnds: Map<string, string[]> | null = null;

  private readonly logTotal: number;
  private readonly segmentCache = new Map<string, string[] | null>();
  /** The length (UTF-16 units) of the longest known word: nothing longer can be one. */
  readonly maxLength: number;

  constructor(entries: Iterable<LexiconEntry>, homes?: Map<string, string>) {
    // Maps are taken as they are: builtInSlices hands over the ones it has just filled
    if (entries instanceof Map) {
      this.counts = entries as Map<string, number>;
      this.homes = homes ?? new Map();
    } else {
      this.counts = new Map();
      this.homes = new Map();
      for (const entry of entries) fileEntry(this.counts, this.homes, entry);
    }
    let total = 0;
    let maxLength = 0;
    for (const [w, n] of this.counts) {
      total += n;
      maxLength = Math.max(maxLength, w.length);
    }
    this.logTotal = Math.log(Math.max(1, total));
    this.maxLength = maxLength;
  }

  /**
   * The lexicon of `entries`, filled LEXICON_SLICE words at a time with a yield to the
   * event loop between: for a process that is serving (a promotion), where building the
   * shipped model's 85,000 words at once held the loop for 50–100 ms.
   */
  static async builtInSlices(entries: ReadonlyArray<LexiconEntry>): Promise<Lexicon> {
    const counts = new Map<string, number>();
    const homes = new Map<string, string>();
    // the masked-letter index too, which a served lexicon is sure to need (the warm-up masks letters)
    const byEnds = new Map<string, string[]>();
    for (let at = 0; at < entries.length; at += LEXICON_SLICE) {
      for (let i = at; i < Math.min(entries.length, at + LEXICON_SLICE); i++) {
        const entry = entries[i]!;
        if (!counts.has(entry[0])) indexByEnds(byEnds, entry[0]);
        fileEntry(counts, homes, entry);
      }
      await yieldToLoop();
    }
    const lexicon = new Lexicon(counts, homes);
    lexicon.byEnds = byEnds;
    return lexicon;
  }

  /** Whether words carry their home language (lexicons of older models do not). */
  get knowsLanguages(): boolean {
    return this.homes.size > 0;
  }

  get size(): number {
    return this.counts.size;
  }

  count(word: string): number {
    return this.counts.get(word) ?? 0;
  }

  /** log10 of the word's unigram probability (-Infinity for an unknown word). */
  log10P(word: string): number {
    return (Math.log(this.count(word)) - this.logTotal) / Math.LN10;
  }

  /** The most frequent known word among `candidates` (ties: the first), or undefined. */
  best(candidates: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestCount = 0;
    for (const c of candidates) {
      const n = this.count(c);
      if (n > bestCount) {
        best = c;
        bestCount = n;
      }
    }
    return best;
  }

  /**
   * The most frequent known word matching `pattern`, where `null` units match any letter;
   * with a `lang`, the most frequent of that language's words first, if any matches.
   */
  match(pattern: ReadonlyArray<string | null>, lang?: string): string | undefined {
    const first = pattern[0];
    const last = pattern[pattern.length - 1];
    this.byEnds ??= this.indexByEnds();
    // a masked first or last unit (no caller masks one) falls back to every known word
    const words = first != null && last != null ? this.byEnds.get(endsKey(pattern.length, first, last)) : this.counts.keys();
    if (!words) return undefined;
    let best: string | undefined;
    let bestCount = 0;
    let bestAtHome: string | undefined;
    let bestAtHomeCount = 0;
    for (const w of words) {
      let ok = w.length === pattern.length;
      for (let i = 0; i < pattern.length && ok; i++) ok = pattern[i] === null || pattern[i] === w[i];
      if (!ok) continue;
      const n = this.count(w);
      if (n > bestCount) [best, bestCount] = [w, n];
      if (lang !== undefined && n > bestAtHomeCount && this.homes.get(w) === lang) [bestAtHome, bestAtHomeCount] = [w, n];
    }
    return bestAtHome ?? best;
  }

  private indexByEnds(): Map<string, string[]> {
    const byEnds = new Map<string, string[]>();
    for (const w of this.counts.keys()) indexByEnds(byEnds, w);
    return byEnds;
  }

  /**
   * Split a run of letters whose spaces were deleted ("youareanidiot") into the most
   * probable sequence of known words (unigram model, as in Norvig's segmenter), or null
   * when keeping it whole is more probable: a known word, or an unknown one whose
   * pieces would be a stretch (a long Turkish or German word stays whole).
   */
  segment(token: string): string[] | null {
    if (this.counts.has(token)) return null;
    const cached = this.segmentCache.get(token);
    if (cached !== undefined) return cached;
    const result = this.segmentUncached(token);
    // bounded memo: long unknown runs (hashtags, handles, URLs) repeat across messages
    if (this.segmentCache.size >= SEGMENT_CACHE_LIMIT) this.segmentCache.clear();
    this.segmentCache.set(token, result);
    return result;
  }

  private segmentUncached(token: string): string[] | null {
    const n = token.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    best[0] = 0;
    for (let end = 1; end <= n; end++) {
      for (let start = Math.max(0, end - this.maxLength); start < end; start++) {
        if (best[start] === -Infinity) continue;
        const c = this.counts.get(token.slice(start, end));
        // an unknown piece may stand between known ones, at Norvig's unknown-word odds
        // (10 / (N · 10^length)); up to 6 letters, so long runs cannot be one unknown piece
        if (c === undefined && end - start > MAX_UNKNOWN_PIECE) continue;
        const score = best[start]! + (c === undefined ? Math.log(10) - (end - start) * Math.LN10 : Math.log(c)) - this.logTotal;
        if (score > best[end]!) {
          best[end] = score;
          from[end] = start;
        }
      }
    }
    // an unknown word of length n: P = 10 / (N · 10^n); past word length, no real word
    // competes and only the pieces' quality below decides
    const wholeUnknown = Math.log(10) - this.logTotal - n * Math.log(10);
    if (best[n] === -Infinity || (n < LONG_RUN_LENGTH && best[n]! <= wholeUnknown)) return null;
    const pieces: string[] = [];
    for (let end = n; end > 0; end = from[end]!) pieces.push(token.slice(from[end]!, end));
    if (pieces.length < 2) return null;
    // Text whose spaces were deleted falls apart into common words; a long word of a
    // language the lexicon knows less well (a German compound, a Turkish suffix chain)
    // only into rare fragments: require the pieces to be common on average.
    const meanLog10P = best[n]! / pieces.length / Math.LN10;
    if (meanLog10P < (n >= LONG_RUN_LENGTH ? MIN_MEAN_LOG10_P_LONG : MIN_MEAN_LOG10_P_WORD)) return null;
    return pieces.reverse();
  }

  entries(): LexiconEntry[] {
    return Array.from(this.counts, ([w, n]): LexiconEntry => {
      const lang = this.homes.get(w);
      return lang === undefined ? [w, n] : [w, n, lang];
    });
  }

  /** The first `n` words in the lexicon's order (most frequent first, as built and as stored). */
  firstWords(n: number): string[] {
    const words: string[] = [];
    for (const w of this.counts.keys()) {
      if (words.length >= n) break;
      words.push(w);
    }
    return words;
  }
}

/**
 * Count the words of normalized texts: letters only, 1–20 units, kept when seen
 * `minCount` times. With `langs` (each text's language), each word also gets its home
 * language: the one in whose texts it is most frequent relative to their words in all,
 * so that a smaller language keeps its own words ("sont" is French, though the English
 * data is larger).
 */
export function buildLexicon(normalizedTexts: readonly string[], langs?: readonly string[], minCount = 3, maxWords = 150_000): Lexicon {
  const counts = new Map<string, number>();
  const byLang = new Map<string, Map<string, number>>();
  const wordsIn = new Map<string, number>();
  const WORD = /[\p{L}\p{M}]{1,20}/gu;
  normalizedTexts.forEach((t, i) => {
    const lang = langs?.[i];
    const inLang = lang === undefined ? undefined : byLang.get(lang) ?? byLang.set(lang, new Map()).get(lang)!;
    let words = 0;
    for (const m of t.matchAll(WORD)) {
      counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
      if (inLang) inLang.set(m[0], (inLang.get(m[0]) ?? 0) + 1);
      words++;
    }
    if (lang !== undefined) wordsIn.set(lang, (wordsIn.get(lang) ?? 0) + words);
  });
  const kept = [...counts.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxWords);
  if (langs === undefined) return new Lexicon(kept);
  // languages in a fixed order, so that a tie goes the same way on every build
  const languages = [...byLang.keys()].sort();
  return new Lexicon(
    kept.map(([w, n]): LexiconEntry => {
      let home = languages[0]!;
      let best = -1;
      for (const l of languages) {
        const share = (byLang.get(l)!.get(w) ?? 0) / wordsIn.get(l)!;
        if (share > best) [home, best] = [l, share];
      }
      return [w, n, home];
    }),
  );
}

/** Record one entry: its word's count, and its home language when it has one. */
function fileEntry(counts: Map<string, number>, homes: Map<string, string>, [word, count, lang]: LexiconEntry): void {
  counts.set(word, count);
  if (lang !== undefined) homes.set(word, lang);
}

/** File `word` under its length and first and last units (Lexicon.match reads the list). */
function indexByEnds(byEnds: Map<string, string[]>, word: string): void {
  if (word.length === 0) return;
  const key = endsKey(word.length, word[0]!, word[word.length - 1]!);
  const list = byEnds.get(key);
  if (list) list.push(word);
  else byEnds.set(key, [word]);
}

/** A word's length and its first and last UTF-16 units, as one key. */
function endsKey(length: number, first: string, last: string): string {
  return `${length}\u0000${first}\u0000${last}`;
}
