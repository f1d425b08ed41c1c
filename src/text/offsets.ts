/**
 * Text with an offset map: for each UTF-16 unit of `text`, the span [starts[i], ends[i])
 * of the source it came from. Normalization passes each produce one of these over
 * their own input; `compose` chains them back to the original.
 */
export interface MappedText {
  readonly text: string;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

export class MappedTextBuilder {
  private parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.starts = new Int32Array(Math.max(16, capacity));
    this.ends = new Int32Array(Math.max(16, capacity));
  }

  /** Append `s`, every unit of which came from source span [start, end). */
  push(s: string, start: number, end: number): void {
    const need = this.length + s.length;
    if (need > this.starts.length) {
      const cap = Math.max(need, this.starts.length * 2);
      const ns = new Int32Array(cap);
      ns.set(this.starts);
      const ne = new Int32Array(cap);
      ne.set(this.ends);
      this.starts = ns;
      this.ends = ne;
    }
    for (let k = 0; k < s.length; k++) {
      this.starts[this.length + k] = start;
      this.ends[this.length + k] = end;
    }
    this.length = need;
    this.parts.push(s);
  }

  lastUnit(): string {
    const last = this.parts[this.parts.length - 1];
    return last === undefined ? "" : (last[last.length - 1] ?? "");
  }

  /** Widen the source span of the last unit to reach `end` (it absorbed what followed). */
  extendLast(end: number): void {
    this.ends[this.length - 1] = end;
  }

  finish(): MappedText {
    return { text: this.parts.join(""), starts: this.starts.subarray(0, this.length), ends: this.ends.subarray(0, this.length) };
  }
}

/** The identity map of a string onto itself. */
export function identity(text: string): MappedText {
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  return { text, starts, ends };
}

/** `inner` maps into `outer.text`; the result maps `inner.text` into `outer`'s source. */
export function compose(outer: MappedText, inner: MappedText): MappedText {
  const n = inner.text.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = outer.starts[inner.starts[i]!]!;
    ends[i] = outer.ends[inner.ends[i]! - 1]!;
  }
  return { text: inner.text, starts, ends };
}
