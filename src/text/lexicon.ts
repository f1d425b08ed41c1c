/**
 * A lexicon of known words (normalized, with their training-data counts) that lets the
 * normalizer settle what rules alone cannot: whether "1" in "ki11" is an l or an i,
 * whether "goooood" was "god" or "good", which letter "f*ck" hides. Among the
 * candidate spellings, the most frequent known word wins; with no known candidate the
 * rule-based default stands.
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

export class Lexicon {
  private readonly counts: Map<string, number>;
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

  constructor(entries: Iterable<readonly [string, number]>) {
    // a Map is taken as it is: builtInSlices hands over the one it has just filled
    this.counts = entries instanceof Map ? (entries as Map<string, number>) : new Map(entries);
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
  static async builtInSlices(entries: ReadonlyArray<readonly [string, number]>): Promise<Lexicon> {
    const counts = new Map<string, number>();
    // the masked-letter index too, which a served lexicon is sure to need (the warm-up masks letters)
    const byEnds = new Map<string, string[]>();
    for (let at = 0; at < entries.length; at += LEXICON_SLICE) {
      for (let i = at; i < Math.min(entries.length, at + LEXICON_SLICE); i++) {
        const [w, n] = entries[i]!;
        if (!counts.has(w)) indexByEnds(byEnds, w);
        counts.set(w, n);
      }
      await yieldToLoop();
    }
    const lexicon = new Lexicon(counts);
    lexicon.byEnds = byEnds;
    return lexicon;
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

  /** The most frequent known word matching `pattern`, where `null` units match any letter. */
  match(pattern: ReadonlyArray<string | null>): string | undefined {
    const first = pattern[0];
    const last = pattern[pattern.length - 1];
    this.byEnds ??= this.indexByEnds();
    // a masked first or last unit (no caller masks one) falls back to every known word
    const words = first != null && last != null ? this.byEnds.get(endsKey(pattern.length, first, last)) : this.counts.keys();
    if (!words) return undefined;
    let best: string | undefined;
    let bestCount = 0;
    for (const w of words) {
      let ok = w.length === pattern.length;
      for (let i = 0; i < pattern.length && ok; i++) ok = pattern[i] === null || pattern[i] === w[i];
      if (ok && this.count(w) > bestCount) {
        best = w;
        bestCount = this.count(w);
      }
    }
    return best;
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

  entries(): Array<[string, number]> {
    return [...this.counts.entries()];
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

/** Count the words of normalized texts: letters only, 1–20 units, kept when seen `minCount` times. */
export function buildLexicon(normalizedTexts: Iterable<string>, minCount = 3, maxWords = 150_000): Lexicon {
  const counts = new Map<string, number>();
  const WORD = /[\p{L}\p{M}]{1,20}/gu;
  for (const t of normalizedTexts) {
    for (const m of t.matchAll(WORD)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  const kept = [...counts.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxWords);
  return new Lexicon(kept);
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
