/**
 * Word characters (letters, marks, digits) as lookup tables over the Basic Multilingual
 * Plane, built once and shared: the normalizer, feature extraction and explanations all
 * ask, per UTF-16 unit, whether it is part of a word.
 */
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;

/** Which code points of the Basic Multilingual Plane match `re`, as a table (astral ones are rare: regex). */
export function bmpTable(re: RegExp): Uint8Array {
  const table = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (re.test(String.fromCharCode(c))) table[c] = 1;
  }
  return table;
}

const WORD_BMP = bmpTable(WORD_CHAR);

/** Whether a UTF-16 unit is a word character (a surrogate half never is). */
export function isWordUnit(unit: number): boolean {
  return WORD_BMP[unit] === 1;
}

/** Whether a code point, astral ones included, is a word character. */
export function isWordCodePoint(cp: number): boolean {
  return cp < 65536 ? WORD_BMP[cp] === 1 : WORD_CHAR.test(String.fromCodePoint(cp));
}
