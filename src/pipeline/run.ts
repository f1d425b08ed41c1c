/**
 * `warden train` end to end: read and check data → train → calibrate → gate against
 * the champion → register (with lineage) → promote if asked and passed.
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { WardenConfig } from "../config.js";
import { readExamples, resolveDatasets, type DatasetFile } from "../data/datasets.js";
import { WardenError } from "../errors.js";
import type { BinaryMetrics } from "../eval/metrics.js";
import { serializeModel, sha256Hex } from "../model/artifact.js";
import type { Registry } from "../registry/registry.js";
import { gate, type GateVerdict } from "./gate.js";
import { trainModel, type Progress } from "./train.js";

/** Bumped when training code changes what the same data and config produce. */
export const TRAINER_VERSION = "linear-ftrl/1";

export interface TrainRunOptions {
  readonly data: readonly string[];
  readonly config: WardenConfig;
  readonly registry: Registry;
  readonly promote: boolean;
  /** Also write the artifact to this path (how the shipped default model is made). */
  readonly exportPath?: string;
  readonly progress?: Progress;
  readonly codeCommit?: string;
}

export interface TrainRunResult {
  readonly version: string;
  readonly artifact: string;
  readonly sha256: string;
  readonly gate: "passed" | "failed";
  readonly cached_steps: string[];
  readonly promoted: boolean;
  readonly verdict: GateVerdict;
  readonly validation: Record<string, BinaryMetrics>;
}

function selectDatasets(files: DatasetFile[], commercialOnly: boolean): DatasetFile[] {
  if (!commercialOnly) return files;
  const allowed = files.filter((f) => f.commercialUse === true);
  if (allowed.length === 0) throw new WardenError("DATA_CONTRACT", "training.commercialOnly is set but no dataset's licence allows commercial use.");
  return allowed;
}

export async function runTraining(options: TrainRunOptions): Promise<TrainRunResult> {
  const training = options.config.training;
  const files = selectDatasets(resolveDatasets(options.data, "train"), training.commercialOnly);
  const examples = files.flatMap((f) => readExamples(f));
  const result = trainModel(examples, training, options.progress);

  // The artifact holds only what determines its bytes: no timestamps, no absolute paths.
  const datasets = files.map((f) => ({
    name: f.name,
    task: f.task,
    lang: f.lang ?? null,
    licence: f.licence ?? "unknown",
    commercial_use: f.commercialUse ?? null,
    sha256: createHash("sha256").update(readFileSync(f.path)).digest("hex"),
    rows: examples.filter((e) => e.dataset === f.name).length,
  }));
  const meta = {
    trainer: TRAINER_VERSION,
    training,
    datasets,
    counts: { train: result.trainCount, validation: result.validationCount },
    validation: result.validation,
  };
  const artifact = serializeModel(result.model, meta);
  const sha256 = sha256Hex(artifact);

  const championVersion = await options.registry.championVersion();
  const championMeta = championVersion ? (await options.registry.record(championVersion))?.meta : undefined;
  const verdict = gate(result.validation, (championMeta?.validation as Record<string, BinaryMetrics> | undefined) ?? null);

  const record = await options.registry.register(artifact, {
    ...meta,
    lineage: { parent: championVersion, code_commit: options.codeCommit ?? null, gate: verdict },
  });
  if (options.exportPath) {
    const tmp = `${options.exportPath}.tmp-${process.pid}`;
    writeFileSync(tmp, artifact);
    renameSync(tmp, options.exportPath);
  }
  let promoted = false;
  if (options.promote && verdict.passed) {
    await options.registry.promote(record.version, "promoted by warden train --promote");
    promoted = true;
  }
  return {
    version: record.version,
    artifact: record.path,
    sha256,
    gate: verdict.passed ? "passed" : "failed",
    cached_steps: [],
    promoted,
    verdict,
    validation: result.validation,
  };
}
