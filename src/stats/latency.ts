/**
 * Latency quantiles in constant memory: a histogram with log-spaced buckets 2% wide
 * from 1 µs to about 2 minutes, so p50/p99 are within 2% whatever the traffic.
 */
const MIN_MS = 0.001;
const GROWTH = 1.02;
const BUCKETS = Math.ceil(Math.log(120_000 / MIN_MS) / Math.log(GROWTH)) + 1;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;

  record(ms: number): void {
    const b = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[b]!++;
    this.count++;
  }

  /** Non-empty buckets as [bucket, count] pairs (small: a few hundred at most). */
  toPairs(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.counts.forEach((c, b) => c > 0 && out.push([b, c]));
    return out;
  }

  static fromPairs(pairs: ReadonlyArray<readonly [number, number]>): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const [b, c] of pairs) {
      if (b < 0 || b >= BUCKETS) continue;
      h.counts[b]! += c;
      h.count += c;
    }
    return h;
  }

  merge(o: LatencyHistogram): void {
    for (let b = 0; b < BUCKETS; b++) this.counts[b]! += o.counts[b]!;
    this.count += o.count;
  }

  /** The q-quantile in ms (upper edge of its bucket), null before any record. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return MIN_MS * GROWTH ** b;
    }
    return MIN_MS * GROWTH ** (BUCKETS - 1);
  }
}
