/** 32-bit hashing helpers for the hashing trick: FNV-1a steps plus murmur3's finalizer. */

export const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** One FNV-1a step over a UTF-16 unit. */
export function fnvStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, FNV_PRIME);
}

/** murmur3 fmix32: spreads FNV's low-entropy high bits before masking. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combine two hashes (order matters): used for word bigrams. */
export function combine(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/** Stable 32-bit hash of a whole string (namespaces, sticky assignment, splits). */
export function hashString(s: string, seed = 0): number {
  let h = FNV_OFFSET ^ seed;
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
  return fmix32(h);
}
