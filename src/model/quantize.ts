/**
 * int8 weights with a float scale per block of consecutive weights (symmetric: the
 * block's largest magnitude maps to ±127). A block of 256 keeps one large weight from
 * flattening the small ones of the whole table, at 1.6% extra bytes for the scales.
 * Quantizing already-quantized weights gives them back exactly.
 */
export const INT8_BLOCK = 256;

export interface Int8Weights {
  readonly q: Int8Array;
  readonly scales: Float32Array;
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
  return { q, scales };
}

export function dequantizeInt8({ q, scales }: Int8Weights, block = INT8_BLOCK): Float32Array {
  const w = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) w[i] = q[i]! * scales[Math.floor(i / block)]!;
  return w;
}

/** The weights as an int8 artifact will serve them. */
export function int8RoundTrip(w: Float32Array, block = INT8_BLOCK): Float32Array {
  return dequantizeInt8(quantizeInt8(w, block), block);
}
