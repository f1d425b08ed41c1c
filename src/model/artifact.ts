/**
 * The versioned binary model artifact.
 *
 * Layout (little-endian):
 *   "WRDN" | u16 format version | u16 reserved | u32 header bytes | header JSON | pad to 4
 *   | f32 weights[2^bits * heads] | f32 bias[heads] | sha256 of everything before it (32 bytes)
 *
 * The checksum is verified on every load; a newer format version is refused by name.
 * No timestamps go in, so the same training gives the same bytes.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { WardenError } from "../errors.js";
import type { FeatureConfig } from "../features/extract.js";
import { LinearModel, type Platt } from "./linear.js";

const MAGIC = "WRDN";
export const FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;

export interface ArtifactHeader {
  readonly heads: readonly string[];
  readonly features: FeatureConfig;
  readonly calibration: readonly Platt[];
  /** Free-form, JSON-serializable facts about the model: training config, data, metrics. */
  readonly meta: Record<string, unknown>;
}

export interface LoadedArtifact {
  readonly model: LinearModel;
  readonly meta: Record<string, unknown>;
  readonly sha256: string;
}

export function serializeModel(model: LinearModel, meta: Record<string, unknown>): Buffer {
  const header: ArtifactHeader = { heads: model.heads, features: model.features, calibration: model.calibration, meta };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, "ascii");
  prefix.writeUInt16LE(FORMAT_VERSION, 4);
  prefix.writeUInt16LE(0, 6);
  prefix.writeUInt32LE(json.length, 8);
  const body = Buffer.concat([
    prefix,
    json,
    Buffer.alloc(pad),
    littleEndianBytes(model.weights),
    littleEndianBytes(model.bias),
  ]);
  const digest = createHash("sha256").update(body).digest();
  return Buffer.concat([body, digest]);
}

function littleEndianBytes(a: Float32Array): Buffer {
  const out = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i]!, i * 4);
  return out;
}

function readFloats(buf: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(offset + i * 4);
  return out;
}

export function sha256Hex(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/** Parse and verify an artifact; `name` is used in error messages (a file path, say). */
export function deserializeModel(buf: Buffer, name: string): LoadedArtifact {
  if (buf.length < 12 + DIGEST_BYTES || buf.toString("ascii", 0, 4) !== MAGIC) {
    throw new WardenError("MODEL_FORMAT", `${name} is not a Warden model artifact (no WRDN header).`);
  }
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  const stored = buf.subarray(buf.length - DIGEST_BYTES);
  const actual = createHash("sha256").update(body).digest();
  if (!actual.equals(stored)) {
    throw new WardenError(
      "MODEL_CHECKSUM",
      `checksum mismatch in ${name}: stored sha256 ${stored.toString("hex")} but content hashes to ${actual.toString("hex")}; the file is corrupt, retrain or restore it.`,
    );
  }
  const version = buf.readUInt16LE(4);
  if (version > FORMAT_VERSION) {
    throw new WardenError("MODEL_FORMAT", `${name} uses artifact format ${version}; this Warden reads up to ${FORMAT_VERSION}. Upgrade Warden.`);
  }
  const headerBytes = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString("utf8", 12, 12 + headerBytes)) as ArtifactHeader;
  const pad = (4 - ((12 + headerBytes) % 4)) % 4;
  const H = header.heads.length;
  const count = (1 << header.features.bits) * H;
  const offset = 12 + headerBytes + pad;
  if (offset + (count + H) * 4 !== body.length) {
    throw new WardenError("MODEL_FORMAT", `${name} has ${body.length - offset} weight bytes; its header implies ${(count + H) * 4}.`);
  }
  const model = new LinearModel({
    heads: header.heads,
    features: header.features,
    weights: readFloats(buf, offset, count),
    bias: readFloats(buf, offset + count * 4, H),
    calibration: header.calibration,
  });
  return { model, meta: header.meta, sha256: sha256Hex(buf) };
}

export function loadModelFile(path: string): LoadedArtifact {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new WardenError("MODEL_NOT_FOUND", `cannot read model file ${path}: ${(err as Error).message}`);
  }
  return deserializeModel(buf, path);
}
