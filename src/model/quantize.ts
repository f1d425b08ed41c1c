/**
 * Weight tables as the models score with them: float32, or int8 with a float scale per
 * block of consecutive weights (symmetric: the block's largest magnitude maps to ±127).
 * A block of 256 keeps one large weight from flattening the small ones of the whole
 * table, at 1.6% extra bytes for the scales. Quantizing already-quantized weights gives
 * them back exactly.
 *
 * An int8 table stays int8 in memory (a quarter of the bytes, so a champion's and a
 * shadow challenger's tables share the cache better). Its weight i is the float32
 * Math.fround(q[i] * scale), exactly what dequantizing would store, so an int8 model
 * scores bit for bit like its dequantized twin.
 */
import type { SparseVector } from "../features/extract.js";

export const INT8_BLOCK = 256;

export interface Int8Weights {
  readonly q: Int8Array;
  readonly scales: Float32Array;
  /** Weights per scale: a power of two. */
  readonly block: number;
}

export type WeightTable = Float32Array | Int8Weights;

export function isInt8(t: WeightTable): t is Int8Weights {
  return !(t instanceof Float32Array);
}

export function tableLength(t: WeightTable): number {
  return isInt8(t) ? t.q.length : t.length;
}

export function quantizeInt8(w: Float32Array, block = INT8_BLOCK): Int8Weights {
  const q = new Int8Array(w.length);
  const scales = new Float32Array(Math.ceil(w.length / block));
  for (let b = 0; b < scales.length; b++) {
    const start = b * block;
    const end = Math.min(w.length, start + block);
    let max = 0;
    for (let i = start; i < end; i++) max = Math.max(max, Math.abs(w[i]!));
    const scale = Math.fround(max / 127);
    scales[b] = scale;
    if (scale === 0) continue;
    for (let i = start; i < end; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scale)));
  }
  return { q, scales, block };
}

/** The table as float32 (a copy for int8; the table itself for float32). */
export function toFloat32(t: WeightTable): Float32Array {
  if (!isInt8(t)) return t;
  const w = new Float32Array(t.q.length);
  for (let i = 0; i < w.length; i++) w[i] = t.q[i]! * t.scales[Math.floor(i / t.block)]!;
  return w;
}

/** The weights as an int8 artifact will serve them, as float32. */
export function int8RoundTrip(w: Float32Array, block = INT8_BLOCK): Float32Array {
  return toFloat32(quantizeInt8(w, block));
}

/** Weight `i` of the table. */
export function weightAt(t: WeightTable, i: number): number {
  return isInt8(t) ? Math.fround(t.q[i]! * t.scales[Math.floor(i / t.block)]!) : t[i]!;
}

/**
 * out[r] = bias[r] + Σ_k table[x.indices[k] * R + r] * x.values[k] for every row r < R
 * (R = bias.length): the scores of all heads or labels, whose weights are interleaved
 * by bucket so that one feature touches one cache line. Rows go four at a time, summed
 * in local variables: accumulating in `out` chained every addition through memory and
 * cost 1.7× as much. Each row is still summed in feature order, so results are the same.
 */
export function sparseDot(x: SparseVector, t: WeightTable, bias: Float32Array, out: Float64Array): void {
  const { q, scales, shift } = isInt8(t) ? { q: t.q, scales: t.scales, shift: Math.log2(t.block) } : { q: t, scales: UNIT_SCALE, shift: 31 };
  touched += touchRows(x, q, bias.length);
  for (let r0 = 0; r0 < bias.length; r0 += 4) dotRows(x, q, scales, shift, r0, bias, out);
}

/** Where touchRows' sums go, so that its loads are never optimized away. */
let touched = 0;

/**
 * Reads the first weight of every feature's row before summing. A model's table is
 * megabytes read at random, so most features miss the CPU caches; these loads depend on
 * nothing but the indices, so the CPU keeps many misses in flight at once, where the
 * summing loop (longer, and each step adding to the last) kept only a few. The summing
 * then finds the rows in cache: stage 2's 12 MB table was read in two thirds of the time.
 */
function touchRows(x: SparseVector, q: Int8Array | Float32Array, R: number): number {
  const idx = x.indices;
  let sum = 0;
  for (let k = 0; k < x.length; k++) sum += q[idx[k]! * R]!;
  return sum;
}

/** A float32 table read as one block of scale 1: fround(w * 1) is w, so it sums exactly as itself. */
const UNIT_SCALE = Float32Array.of(1);

/** Rows r0..r0+3 (those below R) of sparseDot: weight j is fround(q[j] * scales[j >>> shift]). */
function dotRows(x: SparseVector, q: Int8Array | Float32Array, scales: Float32Array, shift: number, r0: number, bias: Float32Array, out: Float64Array): void {
  const R = bias.length;
  const lanes = Math.min(4, R - r0);
  const idx = x.indices;
  const val = x.values;
  let a0 = bias[r0]!;
  let a1 = lanes > 1 ? bias[r0 + 1]! : 0;
  let a2 = lanes > 2 ? bias[r0 + 2]! : 0;
  let a3 = lanes > 3 ? bias[r0 + 3]! : 0;
  for (let k = 0; k < x.length; k++) {
    const j = idx[k]! * R + r0;
    const v = val[k]!;
    a0 += Math.fround(q[j]! * scales[j >>> shift]!) * v;
    if (lanes > 1) a1 += Math.fround(q[j + 1]! * scales[(j + 1) >>> shift]!) * v;
    if (lanes > 2) a2 += Math.fround(q[j + 2]! * scales[(j + 2) >>> shift]!) * v;
    if (lanes > 3) a3 += Math.fround(q[j + 3]! * scales[(j + 3) >>> shift]!) * v;
  }
  out[r0] = a0;
  if (lanes > 1) out[r0 + 1] = a1;
  if (lanes > 2) out[r0 + 2] = a2;
  if (lanes > 3) out[r0 + 3] = a3;
}
