/**
 * Normalized text → sparse hashed feature vector.
 *
 * Features: character n-grams (charMin..charMax) over the text padded with one space
 * on each side, so that n-grams mark word edges; word unigrams and bigrams. Each is
 * hashed into 2^bits buckets. Values are 1 + ln(count), then the vector is scaled to
 * unit L2 norm. Everything lives in reusable typed arrays: no object per n-gram.
 */
import { isWordUnit } from "../text/units.js";
import { FNV_OFFSET, combine, fmix32, fnvStep } from "./hash.js";

export interface FeatureConfig {
  /** log2 of the number of hash buckets (20 → 1,048,576). */
  readonly bits: number;
  readonly charMin: number;
  readonly charMax: number;
  /** 1 = word unigrams, 2 = unigrams and bigrams, 0 = no word features. */
  readonly wordNgrams: number;
  /** Emit every feature a second time in the namespace of the text's language. */
  readonly languageFeatures?: boolean;
  /** Emit one feature per kind of hiding the normalizer undid (hiding is evidence). */
  readonly evasionFeatures?: boolean;
}

export const DEFAULT_FEATURES: FeatureConfig = { bits: 20, charMin: 1, charMax: 5, wordNgrams: 2 };

const WORD_SEED = FNV_OFFSET ^ 0x5bd1e995;
const BIGRAM_SEED = 0x27d4eb2f;
const EVASION_SEED = 0x165667b1;
/** Above this many raw indices, finish() sorts by radix (linear) instead of bucket + insertion. */
const BUCKET_SORT_MAX = 4096;

/** A sparse vector with unique, sorted indices. */
const UNSCALED = Float64Array.from({ length: 256 }, (_, c) => (c > 0 ? 1 + Math.log(c) : 0));

/** A feature's value before the vector is scaled to unit norm: 1 + ln(count), 0 when absent. */
export function unscaledValue(count: number): number {
  return count < 256 ? UNSCALED[count]! : 1 + Math.log(count);
}

export class SparseVector {
  indices = new Uint32Array(256);
  values = new Float32Array(256);
  length = 0;

  ensure(capacity: number): void {
    if (capacity <= this.indices.length) return;
    const cap = Math.max(capacity, this.indices.length * 2);
    this.indices = new Uint32Array(cap);
    this.values = new Float32Array(cap);
  }
}

/**
 * Where each raw feature occurrence came from, in normalized-text offsets: filled only
 * when explaining, never on the plain classify path.
 */
export class FeatureTrace {
  index = new Uint32Array(256);
  start = new Int32Array(256);
  end = new Int32Array(256);
  length = 0;

  push(index: number, start: number, end: number): void {
    if (this.length === this.index.length) {
      const cap = this.length * 2;
      const ni = new Uint32Array(cap);
      ni.set(this.index);
      const ns = new Int32Array(cap);
      ns.set(this.start);
      const ne = new Int32Array(cap);
      ne.set(this.end);
      this.index = ni;
      this.start = ns;
      this.end = ne;
    }
    this.index[this.length] = index;
    this.start[this.length] = start;
    this.end[this.length] = end;
    this.length++;
  }
}

export class FeatureExtractor {
  readonly config: FeatureConfig;
  private readonly mask: number;
  private raw = new Uint32Array(1024);
  private rawLength = 0;
  private units = new Uint16Array(256);
  private sortScratch = new Uint32Array(1024);
  private readonly digitCounts = new Uint32Array(2048);
  private namespace = 0;

  constructor(config: FeatureConfig = DEFAULT_FEATURES) {
    if (!Number.isInteger(config.bits) || config.bits < 8 || config.bits > 26) {
      throw new RangeError(`features.bits must be an integer in 8..26. Got ${config.bits}.`);
    }
    if (config.charMin < 1 || config.charMax < config.charMin || config.charMax > 8) {
      throw new RangeError(`features.charMin/charMax must satisfy 1 <= charMin <= charMax <= 8. Got ${config.charMin}..${config.charMax}.`);
    }
    this.config = config;
    this.mask = (1 << config.bits) - 1;
  }

  get dimension(): number {
    return 1 << this.config.bits;
  }

  /**
   * Fill `out` with the features of normalized `text`. With a `namespace` (a language's
   * hash, say) every feature is emitted a second time in that namespace, so the model
   * learns shared and per-namespace weights side by side (Daumé's feature augmentation).
   */
  extract(text: string, out: SparseVector, namespace = 0, evasion = 0): void {
    this.emitAll(text, undefined, namespace, evasion);
    this.finish(out);
  }

  /**
   * Only where each feature occurrence of `text` came from, into `trace`: for a text whose
   * vector `extract` has already made (with the same namespace and evasion), so the
   * explanation does not merge, sort and scale it a second time.
   */
  traceOnly(text: string, trace: FeatureTrace, namespace = 0, evasion = 0): void {
    this.emitAll(text, trace, namespace, evasion);
    this.rawLength = 0;
  }

  private emitAll(text: string, trace: FeatureTrace | undefined, namespace: number, evasion: number): void {
    this.rawLength = 0;
    this.namespace = namespace;
    // one feature per kind of hiding (bits of `evasion`), also per language: "ㅋㅋㅋ" is
    // ordinary Korean but "stuuupid" is not. They cover no span of the text.
    for (let bit = 0; evasion >> bit !== 0; bit++) if ((evasion >> bit) & 1) this.emit(fmix32(EVASION_SEED + bit), trace, 0, 0);
    this.charNgrams(text, trace);
    if (this.config.wordNgrams > 0) this.wordNgrams(text, trace);
  }

  private emit(h: number, trace: FeatureTrace | undefined, start: number, end: number): void {
    this.push(h & this.mask, trace, start, end);
    if (this.namespace !== 0) this.push(fmix32(h ^ this.namespace) & this.mask, trace, start, end);
  }

  private push(index: number, trace: FeatureTrace | undefined, start: number, end: number): void {
    if (this.rawLength === this.raw.length) {
      const grown = new Uint32Array(this.raw.length * 2);
      grown.set(this.raw);
      this.raw = grown;
    }
    this.raw[this.rawLength++] = index;
    if (trace) trace.push(index, start, end);
  }

  private charNgrams(text: string, trace: FeatureTrace | undefined): void {
    const n = text.length;
    const padded = n + 2;
    const { charMin, charMax } = this.config;
    // The padded text's UTF-16 units, once (a space on each side marks word edges).
    if (this.units.length < padded) this.units = new Uint16Array(padded * 2);
    const units = this.units;
    units[0] = 32;
    for (let i = 0; i < n; i++) units[i + 1] = text.charCodeAt(i);
    units[n + 1] = 32;
    // Room for every n-gram (twice with a namespace), so the loop below needs no checks.
    const need = this.rawLength + padded * charMax * (this.namespace !== 0 ? 2 : 1);
    if (need > this.raw.length) {
      const grown = new Uint32Array(need * 2);
      grown.set(this.raw.subarray(0, this.rawLength));
      this.raw = grown;
    }
    if (trace) {
      for (let p = 0; p < padded; p++) {
        let h = FNV_OFFSET;
        for (let k = 0; k < charMax && p + k < padded; k++) {
          h = fnvStep(h, units[p + k]!);
          const len = k + 1;
          if (len < charMin || (len === 1 && units[p] === 32)) continue;
          const start = Math.max(0, p - 1);
          this.emit(fmix32(h ^ len), trace, start, Math.max(start, Math.min(n, p + k)));
        }
      }
      return;
    }
    // The hot path: the same n-grams, without span bookkeeping.
    const raw = this.raw;
    const mask = this.mask;
    const ns = this.namespace;
    let m = this.rawLength;
    for (let p = 0; p < padded; p++) {
      let h = FNV_OFFSET;
      const kMax = Math.min(charMax, padded - p);
      for (let k = 0; k < kMax; k++) {
        h = Math.imul(h ^ units[p + k]!, 16777619);
        const len = k + 1;
        if (len < charMin || (len === 1 && units[p] === 32)) continue;
        const g = fmix32(h ^ len);
        raw[m++] = g & mask;
        if (ns !== 0) raw[m++] = fmix32(g ^ ns) & mask;
      }
    }
    this.rawLength = m;
  }

  private wordNgrams(text: string, trace: FeatureTrace | undefined): void {
    const n = text.length;
    let prevHash = 0;
    let prevStart = -1;
    let i = 0;
    while (i < n) {
      if (!isWordUnit(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const start = i;
      let h = WORD_SEED;
      while (i < n && isWordUnit(text.charCodeAt(i))) h = fnvStep(h, text.charCodeAt(i++));
      h = fmix32(h);
      this.emit(h, trace, start, i);
      if (this.config.wordNgrams >= 2 && prevStart >= 0) this.emit(combine(prevHash, h) ^ BIGRAM_SEED, trace, prevStart, i);
      prevHash = h;
      prevStart = start;
    }
  }

  /** Sort the first m indices ascending (hashes: uniform over 2^bits). */
  private sortIndices(keys: Uint32Array, m: number): Uint32Array<ArrayBufferLike> {
    return m <= BUCKET_SORT_MAX ? this.bucketSort(keys, m) : this.radixSort(keys, m);
  }

  /**
   * One counting pass on the top bits, about one bucket per key, then insertion sort
   * over the nearly sorted result. Half the work of two radix passes on a message's
   * ~1,000 indices; capped at BUCKET_SORT_MAX keys because keys crafted to share a
   * bucket would make the insertion sort quadratic.
   */
  private bucketSort(keys: Uint32Array, m: number): Uint32Array<ArrayBufferLike> {
    const bits = this.config.bits;
    const width = Math.min(bits, 11, Math.max(1, 32 - Math.clz32(m)));
    const shift = bits - width;
    const buckets = 1 << width;
    if (this.sortScratch.length < m) this.sortScratch = new Uint32Array(keys.length);
    const out = this.sortScratch;
    const counts = this.digitCounts;
    counts.fill(0, 0, buckets);
    for (let i = 0; i < m; i++) counts[keys[i]! >>> shift]!++;
    let sum = 0;
    for (let d = 0; d < buckets; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const k = keys[i]!;
      out[counts[k >>> shift]!++] = k;
    }
    for (let i = 1; i < m; i++) {
      const k = out[i]!;
      let j = i - 1;
      if (out[j]! <= k) continue;
      while (j >= 0 && out[j]! > k) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = k;
    }
    return out.subarray(0, m);
  }

  /** LSD radix sort over 11-bit digits: linear whatever the keys. */
  private radixSort(keys: Uint32Array, m: number): Uint32Array<ArrayBufferLike> {
    if (this.sortScratch.length < m) this.sortScratch = new Uint32Array(keys.length);
    let from: Uint32Array = keys;
    let to: Uint32Array = this.sortScratch;
    const counts = this.digitCounts;
    for (let shift = 0; shift < this.config.bits; shift += 11) {
      counts.fill(0);
      for (let i = 0; i < m; i++) counts[(from[i]! >>> shift) & 0x7ff]!++;
      let sum = 0;
      for (let d = 0; d < 2048; d++) {
        const c = counts[d]!;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < m; i++) {
        const k = from[i]!;
        to[counts[(k >>> shift) & 0x7ff]!++] = k;
      }
      [from, to] = [to, from];
    }
    return from.subarray(0, m);
  }

  /**
   * Sort, merge duplicates into 1 + ln(count), scale to unit norm. Sorting the raw list
   * and counting runs touches only a few KB; counting in a dense table of 2^bits entries
   * missed the CPU caches on nearly every feature (a third of classify's time).
   */
  private finish(out: SparseVector): void {
    const sorted = this.sortIndices(this.raw, this.rawLength);
    out.ensure(sorted.length);
    let m = 0;
    let sumSq = 0;
    for (let i = 0; i < sorted.length; ) {
      const idx = sorted[i]!;
      let end = i + 1;
      while (end < sorted.length && sorted[end] === idx) end++;
      const v = unscaledValue(end - i);
      out.indices[m] = idx;
      out.values[m++] = v;
      sumSq += v * v;
      i = end;
    }
    const scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
    for (let k = 0; k < m; k++) out.values[k]! *= scale;
    out.length = m;
    this.rawLength = 0;
  }
}
