/**
 * The versioned binary model artifact.
 *
 * Layout (little-endian):
 *   "WRDN" | u16 format version | u16 reserved | u32 header bytes | header JSON | pad to 4
 *   | classifier weights | f32 classifier bias | language weights | f32 language bias
 *   | sha256 of everything before it (32 bytes)
 *
 * Format 1 stores the weight tables as f32. Format 2 (header `weights: "int8"`) stores
 * each as f32 scales, one per block of `blockSize` weights, then the int8 values, padded
 * to 4 bytes (model/quantize.ts): a quarter of the size. Format 3 (header `stage2`)
 * appends the cascade's second stage: its weight table and f32 bias after the language
 * bias. A model is written in the lowest format that holds it, so older models' bytes
 * do not change.
 *
 * The checksum is verified on every load; a newer format version is refused by name.
 * No timestamps go in, so the same training gives the same bytes.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { endianness } from "node:os";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { WardenError } from "../errors.js";
import type { FeatureConfig } from "../features/extract.js";
import type { WardenModel } from "./bundle.js";
import { Lexicon, type LexiconEntry } from "../text/lexicon.js";
import type { NormalizationLevel } from "../text/normalize.js";
import { LanguageModel } from "./langid.js";
import { LinearModel, type Platt } from "./linear.js";
import { INT8_BLOCK, isInt8, quantizeInt8, toFloat32, type WeightTable } from "./quantize.js";

const MAGIC = "WRDN";
export const FORMAT_VERSION = 3;
const FLOAT_FORMAT = 1;
const INT8_FORMAT = 2;
const DIGEST_BYTES = 32;
const LITTLE_ENDIAN = endianness() === "LE";

/** A classifier as the header describes it (its tables follow the header). */
interface ClassifierHeader {
  readonly heads: readonly string[];
  readonly features: FeatureConfig;
  readonly calibration: readonly Platt[];
  readonly languageCalibration: Readonly<Record<string, ReadonlyArray<Platt | null>>>;
  readonly thresholds: readonly number[];
  readonly languageThresholds: Readonly<Record<string, ReadonlyArray<number | null>>>;
}

function classifierHeader(c: LinearModel): ClassifierHeader {
  const { heads, features, calibration, languageCalibration, thresholds, languageThresholds } = c;
  return { heads, features, calibration, languageCalibration, thresholds, languageThresholds };
}

interface ArtifactHeader {
  readonly classifier: ClassifierHeader;
  /** Format 3: the cascade's second stage. */
  readonly stage2?: ClassifierHeader & { readonly band: number };
  readonly language: { readonly labels: readonly string[]; readonly features: FeatureConfig; readonly minConfidence: number };
  readonly normalization: NormalizationLevel;
  /** [word, count, home language] entries, most frequent first (older models: no language). */
  readonly lexicon: LexiconEntry[];
  /** Free-form, JSON-serializable facts about the model: training config, data, metrics. */
  readonly meta: Record<string, unknown>;
  /** Format 2: how the weight tables are stored (absent: f32). */
  readonly weights?: { readonly kind: "int8"; readonly blockSize: number };
}

export type WeightStorage = "f32" | "int8";

export interface LoadedArtifact {
  readonly model: WardenModel;
  readonly meta: Record<string, unknown>;
  readonly sha256: string;
}

/** `storage` "int8" writes the weight tables quantized (serve-time values: quantize.ts `int8RoundTrip` of float weights; int8 tables as they are). */
export function serializeModel(model: WardenModel, meta: Record<string, unknown>, storage: WeightStorage = "f32"): Buffer {
  const { classifier: c, language: l, stage2 } = model;
  const header: ArtifactHeader = {
    classifier: classifierHeader(c),
    ...(stage2 ? { stage2: { ...classifierHeader(stage2.classifier), band: stage2.band } } : {}),
    language: { labels: l.labels, features: l.features, minConfidence: l.minConfidence },
    normalization: model.normalization,
    lexicon: model.lexicon.entries(),
    meta,
    ...(storage === "int8" ? { weights: { kind: "int8" as const, blockSize: INT8_BLOCK } } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, "ascii");
  prefix.writeUInt16LE(stage2 ? FORMAT_VERSION : storage === "int8" ? INT8_FORMAT : FLOAT_FORMAT, 4);
  prefix.writeUInt16LE(0, 6);
  prefix.writeUInt32LE(json.length, 8);
  const table = storage === "int8" ? int8Bytes : littleEndianBytes;
  const tables = [table(c.weights), littleEndianBytes(c.bias), table(l.weights), littleEndianBytes(l.bias)];
  if (stage2) tables.push(table(stage2.classifier.weights), littleEndianBytes(stage2.classifier.bias));
  const body = Buffer.concat([prefix, json, Buffer.alloc(pad), ...tables]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

function int8Bytes(t: WeightTable): Buffer {
  const { q, scales } = isInt8(t) && t.block === INT8_BLOCK ? t : quantizeInt8(toFloat32(t));
  const pad = (4 - (q.length % 4)) % 4;
  return Buffer.concat([littleEndianBytes(scales), Buffer.from(q.buffer, q.byteOffset, q.byteLength), Buffer.alloc(pad)]);
}

function littleEndianBytes(t: WeightTable): Buffer {
  const a = toFloat32(t);
  const out = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i]!, i * 4);
  return out;
}

export function sha256Hex(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/** Parse and verify an artifact; `name` is used in error messages (a file path, say). */
export function deserializeModel(buf: Buffer, name: string): LoadedArtifact {
  const body = artifactBody(buf, name);
  const { bodyDigest, sha256 } = digests(createHash("sha256").update(body), buf, body);
  checkIntact(buf, name, bodyDigest);
  const parsed = parseArtifact(buf, body, name, sha256);
  return parsed.withLexicon(new Lexicon(parsed.lexicon));
}

/**
 * loadModelFile for a process that is serving: the file is read on libuv's thread pool,
 * hashed and its lexicon built in slices that yield to the event loop, so that the
 * requests in flight keep being answered while a promotion loads its model (in one
 * go, the shipped model's load held the event loop for 0.1–0.4 s on a slow machine).
 */
export async function loadModelFileAsync(path: string): Promise<LoadedArtifact> {
  const { buf, body, sha256 } = await readIntact(path);
  const parsed = parseArtifact(buf, body, path, sha256);
  return parsed.withLexicon(await Lexicon.builtInSlices(parsed.lexicon));
}

/** That the file is an artifact this Warden reads, intact (header, format, checksum), read and hashed without holding the event loop. */
export async function verifyModelFile(path: string): Promise<void> {
  await readIntact(path);
}

const HASH_SLICE = 1 << 20;

/**
 * The file's bytes, its body (what the checksum covers) and its sha256 (its version),
 * checked like deserializeModel checks them; read on the thread pool and hashed a
 * megabyte at a time with a yield between.
 */
async function readIntact(path: string): Promise<{ buf: Buffer; body: Buffer; sha256: string }> {
  const buf = await readModelBytesAsync(path);
  const body = artifactBody(buf, path);
  const bodyHash = createHash("sha256");
  for (let at = 0; at < body.length; at += HASH_SLICE) {
    bodyHash.update(body.subarray(at, Math.min(body.length, at + HASH_SLICE)));
    await yieldToLoop();
  }
  const { bodyDigest, sha256 } = digests(bodyHash, buf, body);
  checkIntact(buf, path, bodyDigest);
  return { buf, body, sha256 };
}

/**
 * The digest of the body (what the stored checksum covers) and the sha256 of the whole
 * file (its version), from `bodyHash` fed the body: the file is the body and the stored
 * digest after it, so the whole file's hash goes on from a copy of the body's instead of
 * reading the 19 MB a second time (about 17 ms on every model load).
 */
function digests(bodyHash: Hash, buf: Buffer, body: Buffer): { bodyDigest: Buffer; sha256: string } {
  const whole = bodyHash.copy().update(buf.subarray(body.length));
  return { bodyDigest: bodyHash.digest(), sha256: whole.digest("hex") };
}

/** Everything the checksum covers (all but the trailing digest); refuses what has no artifact header. */
function artifactBody(buf: Buffer, name: string): Buffer {
  if (buf.length < 12 + DIGEST_BYTES || buf.toString("ascii", 0, 4) !== MAGIC) {
    throw new WardenError("MODEL_FORMAT", `${name} is not a Warden model artifact (no WRDN header).`);
  }
  return buf.subarray(0, buf.length - DIGEST_BYTES);
}

/** The stored checksum matches `bodyDigest` and the format is one this Warden reads. */
function checkIntact(buf: Buffer, name: string, bodyDigest: Buffer): void {
  const stored = buf.subarray(buf.length - DIGEST_BYTES);
  if (!bodyDigest.equals(stored)) {
    throw new WardenError(
      "MODEL_CHECKSUM",
      `checksum mismatch in ${name}: stored sha256 ${stored.toString("hex")} but content hashes to ${bodyDigest.toString("hex")}; the file is corrupt, retrain or restore it.`,
    );
  }
  const version = buf.readUInt16LE(4);
  if (version > FORMAT_VERSION) {
    throw new WardenError("MODEL_FORMAT", `${name} uses artifact format ${version}; this Warden reads up to ${FORMAT_VERSION}. Upgrade Warden.`);
  }
}

/**
 * The model in `buf` (checked intact; the whole file hashes to `sha256`), parsed but for
 * building its lexicon, which the caller does (at once, or in slices while serving) from
 * `lexicon`.
 */
function parseArtifact(buf: Buffer, body: Buffer, name: string, sha256: string): { lexicon: LexiconEntry[]; withLexicon(lexicon: Lexicon): LoadedArtifact } {
  const headerBytes = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString("utf8", 12, 12 + headerBytes)) as ArtifactHeader;
  const { classifier: c, language: l, stage2: c2 } = header;
  const block = header.weights?.kind === "int8" ? header.weights.blockSize : null;
  if (block !== null && (!Number.isInteger(block) || block < 1 || (block & (block - 1)) !== 0)) {
    throw new WardenError("MODEL_FORMAT", `${name} declares an int8 block size of ${block}; it must be a power of two.`);
  }
  // Bytes of a weight table of `count` entries, and of a bias vector.
  const tableBytes = (count: number): number => (block === null ? count * 4 : Math.ceil(count / block) * 4 + count + ((4 - (count % 4)) % 4));
  if (c2 && c2.heads.join("\n") !== c.heads.join("\n")) {
    throw new WardenError("MODEL_FORMAT", `${name}'s second stage has categories ${c2.heads.join(", ")}; its first stage has ${c.heads.join(", ")}. Both stages must answer the same categories.`);
  }
  // [weight table entries, bias entries] of each classifier, in file order.
  const shapes: Array<[number, number]> = [
    [(1 << c.features.bits) * c.heads.length, c.heads.length],
    [(1 << l.features.bits) * l.labels.length, l.labels.length],
  ];
  if (c2) shapes.push([(1 << c2.features.bits) * c2.heads.length, c2.heads.length]);
  let offset = 12 + headerBytes + ((4 - ((12 + headerBytes) % 4)) % 4);
  const expected = shapes.reduce((sum, [w, b]) => sum + tableBytes(w) + b * 4, 0);
  if (offset + expected !== body.length) {
    throw new WardenError("MODEL_FORMAT", `${name} has ${body.length - offset} weight bytes; its header implies ${expected}.`);
  }
  const floats = (count: number): Float32Array => {
    // On a little-endian machine the file's floats are already in memory order: one copy (a
    // float at a time took 15 ms for the shipped model's 66,000 scales on a slow machine).
    const out = LITTLE_ENDIAN ? new Float32Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + count * 4)) : new Float32Array(count);
    if (!LITTLE_ENDIAN) for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(offset + i * 4);
    offset += count * 4;
    return out;
  };
  // int8 tables stay int8 in memory (quantize.ts): a quarter of the bytes, scoring unchanged.
  // They are views into `buf`, not copies: threads that load one shared copy of the bytes
  // (sharedModelBytes) share the tables, in memory and in the CPU caches.
  const weightTable = (count: number): WeightTable => {
    if (block === null) return floats(count);
    const scales = floats(Math.ceil(count / block));
    const q = new Int8Array(buf.buffer, buf.byteOffset + offset, count);
    offset += count + ((4 - (count % 4)) % 4);
    return { q, scales, block };
  };
  const [[cw, cb], [lw, lb], second] = shapes.map(([w, b]) => [weightTable(w), floats(b)] as const);
  const withLexicon = (lexicon: Lexicon): LoadedArtifact => {
    const model: WardenModel = {
      normalization: header.normalization,
      lexicon,
      classifier: new LinearModel({ ...c, weights: cw!, bias: cb! }),
      language: new LanguageModel({ ...l, weights: lw!, bias: lb! }),
      ...(c2 && second ? { stage2: { classifier: new LinearModel({ ...c2, weights: second[0], bias: second[1] }), band: c2.band } } : {}),
    };
    return { model, meta: header.meta, sha256 };
  };
  return { lexicon: header.lexicon, withLexicon };
}

export function loadModelFile(path: string): LoadedArtifact {
  return deserializeModel(readModelBytes(path), path);
}

/**
 * The bytes of a model file in memory that worker threads can share (each deserializes
 * them with Buffer.from), read straight into it: reading into a Buffer and copying cost
 * 19 MB more and about 70 ms of `warden classify`'s start-up.
 */
export function sharedModelBytes(path: string): SharedArrayBuffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const view = Buffer.from(new SharedArrayBuffer(fstatSync(fd).size));
    for (let at = 0; at < view.length; ) {
      const read = readSync(fd, view, at, view.length - at, at);
      if (read === 0) throw new Error(`the file ended at byte ${at} of ${view.length}`);
      at += read;
    }
    return view.buffer as SharedArrayBuffer;
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readModelBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

async function readModelBytesAsync(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

function unreadable(path: string, err: unknown): WardenError {
  return new WardenError("MODEL_NOT_FOUND", `cannot read model file ${path}: ${(err as Error).message}`);
}
