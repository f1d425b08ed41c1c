/**
 * The serialized form of a step's output: a JSON header, named typed arrays and named
 * string lists in one buffer.
 *
 *   const buf = pack({ json: { lexicon }, columns: { label: labels }, strings: { text: texts } });
 *   const { json, columns, strings } = unpack(buf);
 *
 * Arrays are stored as their raw bytes, so floats come back bit for bit (JSON would
 * round-trip them too, but slowly and at three times the size). Strings are stored as
 * UTF-16 code units, so even a lone surrogate survives: a cached run must see exactly
 * the text an uncached run saw. Cache files never leave the machine that wrote them,
 * so arrays keep the platform's byte order; the header records it and a reader on the
 * other order refuses the file (it is then recomputed, like any bad cache entry).
 */
import { endianness } from "node:os";

const MAGIC = "WPK1";

type ArrayKind = "f32" | "f64" | "u8" | "u16" | "u32" | "i32";
export type Column = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int32Array;

const CONSTRUCTORS = {
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i32: Int32Array,
} as const;

function kindOf(a: Column): ArrayKind {
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  if (a instanceof Uint8Array) return "u8";
  if (a instanceof Uint16Array) return "u16";
  if (a instanceof Uint32Array) return "u32";
  return "i32";
}

export interface Packed {
  readonly json: unknown;
  readonly columns?: Readonly<Record<string, Column>>;
  readonly strings?: Readonly<Record<string, readonly string[]>>;
}

export interface Unpacked {
  readonly json: unknown;
  readonly columns: Record<string, Column>;
  readonly strings: Record<string, string[]>;
}

interface Header {
  readonly order: string;
  readonly json: unknown;
  readonly columns: Array<{ name: string; kind: ArrayKind; length: number; offset: number }>;
  /** Each list: `count` strings whose code-unit ends are a u32 column, then their units. */
  readonly strings: Array<{ name: string; count: number; offset: number; units: number }>;
}

const align8 = (n: number): number => (n + 7) & ~7;

export function pack(value: Packed): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const add = (bytes: Buffer): number => {
    const at = offset;
    parts.push(bytes);
    const padded = align8(bytes.length);
    if (padded > bytes.length) parts.push(Buffer.alloc(padded - bytes.length));
    offset += padded;
    return at;
  };
  const header: Header = { order: endianness(), json: value.json, columns: [], strings: [] };
  for (const [name, a] of Object.entries(value.columns ?? {})) {
    header.columns.push({ name, kind: kindOf(a), length: a.length, offset: add(Buffer.from(a.buffer, a.byteOffset, a.byteLength)) });
  }
  for (const [name, list] of Object.entries(value.strings ?? {})) {
    const ends = new Uint32Array(list.length);
    let units = 0;
    list.forEach((s, i) => (ends[i] = units += s.length));
    const at = add(Buffer.from(ends.buffer));
    const text = Buffer.alloc(units * 2);
    let pos = 0;
    for (const s of list) pos += text.write(s, pos, "utf16le");
    add(text);
    header.strings.push({ name, count: list.length, offset: at, units });
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, "ascii");
  prefix.writeUInt32LE(json.length, 4);
  const head = Buffer.concat([prefix, json]);
  return Buffer.concat([head, Buffer.alloc(align8(head.length) - head.length), ...parts]);
}

/** Only the JSON part, without copying the arrays (a small report out of a large output). */
export function unpackJson(buf: Buffer): unknown {
  if (buf.length < 8 || buf.toString("ascii", 0, 4) !== MAGIC) throw new Error("not a packed step output (no WPK1 header)");
  return (JSON.parse(buf.toString("utf8", 8, 8 + buf.readUInt32LE(4))) as Header).json;
}

/**
 * `decode` memoized per buffer: several steps read the same upstream output in one run,
 * and decoding 200,000 strings once is enough. The value lives as long as the buffer.
 */
export function decodedOnce<T>(decode: (buf: Buffer) => T): (buf: Buffer) => T {
  const memo = new WeakMap<Buffer, T>();
  return (buf) => {
    let value = memo.get(buf);
    if (value === undefined) {
      value = decode(buf);
      memo.set(buf, value);
    }
    return value;
  };
}

export function unpack(buf: Buffer): Unpacked {
  if (buf.length < 8 || buf.toString("ascii", 0, 4) !== MAGIC) throw new Error("not a packed step output (no WPK1 header)");
  const jsonBytes = buf.readUInt32LE(4);
  const header = JSON.parse(buf.toString("utf8", 8, 8 + jsonBytes)) as Header;
  if (header.order !== endianness()) throw new Error(`packed on a ${header.order} machine; this one is ${endianness()}`);
  const base = align8(8 + jsonBytes);
  // Copy out of the file buffer: it need not be aligned for the typed array.
  const bytesAt = (offset: number, length: number): ArrayBuffer => {
    const start = buf.byteOffset + base + offset;
    return buf.buffer.slice(start, start + length) as ArrayBuffer;
  };
  const columns: Record<string, Column> = {};
  for (const c of header.columns) {
    const C = CONSTRUCTORS[c.kind];
    columns[c.name] = new C(bytesAt(c.offset, c.length * C.BYTES_PER_ELEMENT));
  }
  const strings: Record<string, string[]> = {};
  for (const s of header.strings) {
    const ends = new Uint32Array(bytesAt(s.offset, s.count * 4));
    const textStart = base + s.offset + align8(s.count * 4);
    const list = new Array<string>(s.count);
    let prev = 0;
    for (let i = 0; i < s.count; i++) {
      list[i] = buf.toString("utf16le", textStart + prev * 2, textStart + ends[i]! * 2);
      prev = ends[i]!;
    }
    strings[s.name] = list;
  }
  return { json: header.json, columns, strings };
}
