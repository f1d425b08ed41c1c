/**
 * Word-level check of the normalizer: for each attack family that normalization should
 * undo, the share of words whose attacked form normalizes exactly like the clean word,
 * per language. Each word is read in its language, as the engine reads a message in the
 * language it identifies (only a masked letter's reading depends on it).
 */
import type { Lexicon } from "../text/lexicon.js";
import { normalizeText } from "../text/normalize.js";
import { ATTACK_FAMILIES, attackWord } from "./attacks.js";

export interface FamilyShare {
  readonly family: string;
  readonly share: number;
  readonly perLanguage: Record<string, number>;
  /** A few words that did not come back, as "attacked → normalized (clean)". */
  readonly misses: string[];
}

export function attackedWordShares(words: ReadonlyArray<readonly [lang: string, word: string]>, lexicon?: Lexicon): FamilyShare[] {
  return ATTACK_FAMILIES.filter((f) => f.normalizable).map((family) => {
    const perLang = new Map<string, [number, number]>();
    const misses: string[] = [];
    let ok = 0;
    for (const [lang, word] of words) {
      const attacked = attackWord(word, family);
      const got = normalizeText(attacked, lexicon, "full", lang).text;
      const want = normalizeText(word, lexicon, "full", lang).text;
      const c = perLang.get(lang) ?? [0, 0];
      perLang.set(lang, [c[0] + (got === want ? 1 : 0), c[1] + 1]);
      if (got === want) ok++;
      else if (misses.length < 3) misses.push(`${attacked} → ${got} (${want})`);
    }
    return {
      family: family.name,
      share: ok / Math.max(1, words.length),
      perLanguage: Object.fromEntries([...perLang].map(([l, [a, n]]) => [l, a / n])),
      misses,
    };
  });
}

export function wordSharesMarkdown(shares: readonly FamilyShare[], wordCount: number, languages: readonly string[]): string {
  return [
    `| family | all ${wordCount} words | ${languages.join(" | ")} | examples not restored (attacked → normalized (clean)) |`,
    `|---|---:|${languages.map(() => "---:").join("|")}|---|`,
    ...shares.map(
      (s) =>
        `| ${s.family} | ${(s.share * 100).toFixed(1)}% | ${languages.map((l) => `${((s.perLanguage[l] ?? 0) * 100).toFixed(0)}%`).join(" | ")} | ${s.misses.map((m) => m.replace(/\|/g, "\\|")).join("; ")} |`,
    ),
  ].join("\n");
}
