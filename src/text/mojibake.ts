/**
 * Mojibake repair: UTF-8 bytes that were decoded as Windows-1252 or Latin-1 ("Ã©" for
 * "é", "Ð¿Ñ€Ð¸" for "при") are re-encoded and decoded as UTF-8 again.
 *
 * A run of characters that all exist in Windows-1252/Latin-1 is repaired only when its
 * bytes form valid UTF-8 containing at least one multi-byte sequence; genuine Latin-1
 * text ("café", "Straße") practically never does, because a UTF-8 lead byte (Ã, Â, Ð…)
 * must be followed by continuation bytes (€, ©, ¼…).
 */
import { MappedTextBuilder, type MappedText } from "./offsets.js";

// Windows-1252's 0x80–0x9F block (undefined slots pass through as Latin-1 C1 controls).
const CP1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";
const TO_BYTE = new Map<number, number>();
for (let i = 0; i < CP1252_HIGH.length; i++) TO_BYTE.set(CP1252_HIGH.charCodeAt(i), 0x80 + i);
for (let b = 0x80; b <= 0x9f; b++) if (!TO_BYTE.has(b)) TO_BYTE.set(b, b);

function toByte(code: number): number {
  if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
  return TO_BYTE.get(code) ?? -1;
}

/** Length of the UTF-8 sequence a lead byte starts (0 for an invalid lead). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Decode bytes[i..i+len) as one UTF-8 sequence; -1 when it is not valid. */
function decodeSequence(bytes: number[], i: number, len: number): number {
  let cp = bytes[i]! & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const b = bytes[i + k];
    if (b === undefined || (b & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = [0, 0, 0x80, 0x800, 0x10000][len]!;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  return cp;
}

// Quick exit: mojibake always holds a UTF-8 lead byte read as Ã, Â, Ð, Ñ, Ø, Ù, â, à…
// followed by a continuation byte (0x80–0xBF) read as Latin-1 or Windows-1252.
const CONTINUATION = `\u0080-\u00bf${CP1252_HIGH}`;
const MAYBE_MOJIBAKE = new RegExp(`[\u00c2-\u00f4][${CONTINUATION}]`);

/** Repair the mojibake in `input`; `repaired` counts the characters restored. */
export function repairMojibake(input: string, offsets = true): { mapped: MappedText; repaired: number } | null {
  if (!MAYBE_MOJIBAKE.test(input)) return null;
  const out = new MappedTextBuilder(input.length, offsets);
  let repaired = 0;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const lead = toByte(input.charCodeAt(i));
    const len = lead >= 0 ? sequenceLength(lead) : 0;
    if (len > 0 && i + len <= n) {
      const bytes: number[] = [];
      for (let k = 0; k < len; k++) bytes.push(toByte(input.charCodeAt(i + k)));
      const cp = bytes.every((b) => b >= 0) ? decodeSequence(bytes, 0, len) : -1;
      if (cp >= 0) {
        out.push(String.fromCodePoint(cp), i, i + len);
        repaired++;
        i += len;
        continue;
      }
    }
    out.push(input[i]!, i, i + 1);
    i++;
  }
  return repaired > 0 ? { mapped: out.finish(), repaired } : null;
}
