/**
 * The versioned binary model artifact.
 *
 * Layout (little-endian):
 *   "WRDN" | u16 format version | u16 reserved | u32 header bytes | header JSON | pad to 4
 *   | f32 classifier weights | f32 classifier bias | f32 language weights | f32 language bias
 *   | sha256 of everything before it (32 bytes)
 *
 * The checksum is verified on every load; a newer format version is refused by name.
 * No timestamps go in, so the same training gives the same bytes.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { WardenError } from "../errors.js";
import type { FeatureConfig } from "../features/extract.js";
import type { WardenModel } from "./bundle.js";
import { Lexicon } from "../text/lexicon.js";
import type { NormalizationLevel } from "../text/normalize.js";
import { LanguageModel } from "./langid.js";
import { LinearModel, type Platt } from "./linear.js";

const MAGIC = "WRDN";
export const FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;

interface ArtifactHeader {
  readonly classifier: {
    readonly heads: readonly string[];
    readonly features: FeatureConfig;
    readonly calibration: readonly Platt[];
    readonly languageCalibration: Readonly<Record<string, ReadonlyArray<Platt | null>>>;
    readonly thresholds: readonly number[];
    readonly languageThresholds: Readonly<Record<string, ReadonlyArray<number | null>>>;
  };
  readonly language: { readonly labels: readonly string[]; readonly features: FeatureConfig; readonly minConfidence: number };
  readonly normalization: NormalizationLevel;
  /** [word, count] pairs, most frequent first. */
  readonly lexicon: Array<[string, number]>;
  /** Free-form, JSON-serializable facts about the model: training config, data, metrics. */
  readonly meta: Record<string, unknown>;
}

export interface LoadedArtifact {
  readonly model: WardenModel;
  readonly meta: Record<string, unknown>;
  readonly sha256: string;
}

export function serializeModel(model: WardenModel, meta: Record<string, unknown>): Buffer {
  const { classifier: c, language: l } = model;
  const header: ArtifactHeader = {
    classifier: {
      heads: c.heads,
      features: c.features,
      calibration: c.calibration,
      languageCalibration: c.languageCalibration,
      thresholds: c.thresholds,
      languageThresholds: c.languageThresholds,
    },
    language: { labels: l.labels, features: l.features, minConfidence: l.minConfidence },
    normalization: model.normalization,
    lexicon: model.lexicon.entries(),
    meta,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, "ascii");
  prefix.writeUInt16LE(FORMAT_VERSION, 4);
  prefix.writeUInt16LE(0, 6);
  prefix.writeUInt32LE(json.length, 8);
  const body = Buffer.concat([prefix, json, Buffer.alloc(pad), ...[c.weights, c.bias, l.weights, l.bias].map(littleEndianBytes)]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

function littleEndianBytes(a: Float32Array): Buffer {
  const out = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i]!, i * 4);
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
  const { classifier: c, language: l } = header;
  const sizes = [(1 << c.features.bits) * c.heads.length, c.heads.length, (1 << l.features.bits) * l.labels.length, l.labels.length];
  let offset = 12 + headerBytes + ((4 - ((12 + headerBytes) % 4)) % 4);
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (offset + expected !== body.length) {
    throw new WardenError("MODEL_FORMAT", `${name} has ${body.length - offset} weight bytes; its header implies ${expected}.`);
  }
  const [cw, cb, lw, lb] = sizes.map((count) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(offset + i * 4);
    offset += count * 4;
    return out;
  }) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const model: WardenModel = {
    normalization: header.normalization,
    lexicon: new Lexicon(header.lexicon),
    classifier: new LinearModel({ ...c, weights: cw, bias: cb }),
    language: new LanguageModel({ ...l, weights: lw, bias: lb }),
  };
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
