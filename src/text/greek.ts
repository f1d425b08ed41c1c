/**
 * Greek accents folded away: ά → α, ΐ → ϊ. Greek writers online mostly leave the tonos
 * out ("τωρα", "εισαι"), so the same word comes in two spellings that a model learns
 * apart and the lexicon ranks apart (a masked "τ#ρα" read as "τώρα" never met the
 * "τωρα" of the clean text). The tonos rarely tells words apart, and Greek trained alone
 * gained from folding it (docs/robustness.md, "No harm"). The full level's folding
 * (fold.ts) calls it on what case folding gave, so the text is lowercase; every
 * replacement is one UTF-16 unit for one, so an offset map stays valid as it is. The
 * dialytika stays: it changes how a word is read (παϊδάκια).
 */
const TONOS: Readonly<Record<string, string>> = { ά: "α", έ: "ε", ή: "η", ί: "ι", ό: "ο", ύ: "υ", ώ: "ω", ΐ: "ϊ", ΰ: "ϋ" };
const WITH_TONOS = /[άέήίόύώΐΰ]/g;

/** The text with its tonos folded (the same string when it has none). */
export function foldGreekTonos(text: string): string {
  return text.replace(WITH_TONOS, (c) => TONOS[c]!);
}
