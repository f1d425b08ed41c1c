/**
 * Text with an offset map: for each UTF-16 unit of `text`, the span [starts[i], ends[i])
 * of the source it came from. Normalization passes each produce one of these over
 * their own input; `compose` chains them back to the original.
 *
 * A pass asked for text only (no `offsets`) gives NO_OFFSETS for both arrays: building
 * the map is a sixth of normalization's time, and only explanations read it.
 */
export interface MappedText {
  readonly text: string;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** The offset map of text built without one. */
export const NO_OFFSETS = new Int32Array(0);

export class MappedTextBuilder {
  private parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  length = 0;

  /** With `offsets` false the builder keeps only the text. */
  constructor(
    capacity: number,
    private readonly offsets = true,
  ) {
    this.starts = offsets ? new Int32Array(Math.max(16, capacity)) : NO_OFFSETS;
    this.ends = offsets ? new Int32Array(Math.max(16, capacity)) : NO_OFFSETS;
  }

  /** Append `s`, every unit of which came from source span [start, end). */
  push(s: string, start: number, end: number): void {
    const need = this.length + s.length;
    this.parts.push(s);
    if (!this.offsets) {
      this.length = need;
      return;
    }
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
  }

  lastUnit(): string {
    const last = this.parts[this.parts.length - 1];
    return last === undefined ? "" : (last[last.length - 1] ?? "");
  }

  /** Widen the source span of the last unit to reach `end` (it absorbed what followed). */
  extendLast(end: number): void {
    if (this.offsets) this.ends[this.length - 1] = end;
  }

  finish(): MappedText {
    const text = this.parts.join("");
    if (!this.offsets) return { text, starts: NO_OFFSETS, ends: NO_OFFSETS };
    return { text, starts: this.starts.subarray(0, this.length), ends: this.ends.subarray(0, this.length) };
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
  if (inner.starts === NO_OFFSETS) return inner;
  const n = inner.text.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = outer.starts[inner.starts[i]!]!;
    ends[i] = outer.ends[inner.ends[i]! - 1]!;
  }
  return { text: inner.text, starts, ends };
}
