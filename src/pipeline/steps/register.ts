/**
 * Step `register`: store the artifact in the registry with its lineage and evaluation.
 * Its cached output stands for a registry record, so a cached output is trusted only
 * while that record (with this lineage) and its artifact file are still there.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { deserializeModel } from "../../model/artifact.js";
import type { Registry } from "../../registry/registry.js";
import { sha256Of } from "../cache.js";
import { pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import { canonicalJson, type Step, type StepOutput } from "../runner.js";
import { decodeEvaluated } from "./evaluate.js";
import { decodeGated } from "./gate.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

export interface Registered {
  readonly version: string;
  readonly path: string;
  readonly sha256: string;
  /** sha256 of the record's meta (canonical JSON): a record with other meta is another registration. */
  readonly metaSha256: string;
}

const metaDigest = (meta: unknown): string => sha256Of(Buffer.from(canonicalJson(meta)));

export function registerStep(calibrated: StepOutput, evaluated: StepOutput, gated: StepOutput, registry: Registry, lineage: Record<string, unknown>): Step {
  return {
    name: "register",
    version: 1,
    code: CODE,
    params: lineage,
    inputs: { calibrate: calibrated.sha256, evaluate: evaluated.sha256, gate: gated.sha256 },
    async run(): Promise<Buffer> {
      const artifactMeta = deserializeModel(calibrated.payload, "candidate artifact").meta;
      const meta = {
        ...artifactMeta,
        evaluation: decodeEvaluated(evaluated.payload),
        lineage: { ...lineage, gate: decodeGated(gated.payload).verdict },
      };
      const record = await registry.register(calibrated.payload, meta);
      return pack({ json: { version: record.version, path: record.path, sha256: record.sha256, metaSha256: metaDigest(record.meta) } satisfies Registered });
    },
    async isStillValid(payload: Buffer): Promise<boolean> {
      const r = decodeRegistered(payload);
      const record = await registry.record(r.version);
      if (!record || record.sha256 !== r.sha256 || metaDigest(record.meta) !== r.metaSha256 || !existsSync(record.path)) return false;
      return sha256Of(await readFile(record.path)) === r.sha256;
    },
  };
}

export function decodeRegistered(buf: Buffer): Registered {
  return unpack(buf).json as Registered;
}
