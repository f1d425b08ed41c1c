/** Small statistics and formatting helpers for the benchmark. */

/** Nearest-rank percentile of an ascending-sorted array (p in 0..1). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length === 0 ? NaN : s / values.length;
}

export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function distribution(samples: Float64Array): Distribution {
  const sorted = Float64Array.from(samples).sort();
  return { count: sorted.length, mean: mean(sorted), p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Nanoseconds since an arbitrary origin, as a number (fine for intervals < 100 days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Fixed decimals, with thousands separators for large numbers. */
export function fmt(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
