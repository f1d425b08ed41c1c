/**
 * `warden train` end to end, as cached steps (steps/, run by runner.ts):
 *
 *   validate → split → language → train → calibrate → evaluate, reference, profile → gate → register
 *
 * then export and promote (if asked and passed). Outputs live under
 * `<data-dir>/cache`; the data report under `<data-dir>/reports`.
 */
import { renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { WardenConfig } from "../config.js";
import type { DataReport } from "../data/contract.js";
import { resolveDatasets, splitBeside, type DatasetFile } from "../data/datasets.js";
import { WardenError } from "../errors.js";
import type { HoldoutEvaluation } from "../eval/holdout.js";
import { sidecarPathFor, type Registry } from "../registry/registry.js";
import { withoutBaseRates } from "../engine/base-rates.js";
import { sha256Of } from "./cache.js";
import { unpackJson } from "./codec.js";
import type { GateVerdict } from "./gate.js";
import { retryTransient } from "./retry.js";
import { StepRunner, type StepOutput } from "./runner.js";
import { TRAINER_VERSION, calibrateStep } from "./steps/calibrate.js";
import { decodeEvaluated, evaluateStep } from "./steps/evaluate.js";
import { fitStep } from "./steps/fit.js";
import { decodeGated, gateStep } from "./steps/gate.js";
import { languageStep } from "./steps/language.js";
import { decodeProfile, profileStep } from "./steps/profile.js";
import { decodeReference, referenceStep } from "./steps/reference.js";
import { decodeRegistered, registerStep } from "./steps/register.js";
import { splitStep } from "./steps/split.js";
import { validateStep, writeDataReport } from "./steps/validate.js";
import { checkHeads, stage2Training, type Progress } from "./train.js";

export { TRAINER_VERSION };

export interface CodeVersion {
  /** The git commit the code was built from, when there is one. */
  readonly commit: string | null;
  /** Uncommitted changes to tracked files. */
  readonly dirty: boolean;
}

export interface TrainRunOptions {
  readonly data: readonly string[];
  readonly config: WardenConfig;
  readonly registry: Registry;
  /** Where `cache/` and `reports/` go. */
  readonly dataDir: string;
  readonly promote: boolean;
  /** Also write the artifact to this path (how the shipped default model is made). */
  readonly exportPath?: string;
  readonly progress?: Progress;
  /** One line per event worth telling (steps, data report, warnings). */
  readonly log?: (line: string) => void;
  readonly code?: CodeVersion;
}

export interface TrainRunResult {
  readonly version: string;
  readonly artifact: string;
  readonly sha256: string;
  readonly gate: "passed" | "failed";
  readonly cached_steps: string[];
  readonly promoted: boolean;
  readonly verdict: GateVerdict;
  readonly evaluation: HoldoutEvaluation;
  readonly dataReport: { readonly json: string; readonly markdown: string; readonly warnings: number };
}

function selectDatasets(files: DatasetFile[], commercialOnly: boolean): DatasetFile[] {
  if (!commercialOnly) return files;
  const allowed = files.filter((f) => f.commercialUse === true);
  if (allowed.length === 0) throw new WardenError("DATA_CONTRACT", "training.commercialOnly is set but no dataset's licence allows commercial use.");
  return allowed;
}

export async function runTraining(options: TrainRunOptions): Promise<TrainRunResult> {
  const { config, registry } = options;
  const training = config.training;
  const log = options.log ?? (() => {});
  const resolved = resolveDatasets(options.data, "train");
  const train = selectDatasets(resolved, training.commercialOnly);
  checkHeads(train, training.heads); // a config error should not wait for the data to be read
  // Leakage is checked against every test split beside the data, licensed for training or not.
  const tests = resolved.map((f) => splitBeside(f, "test")).filter((f): f is DatasetFile => f !== null);
  const hashes = new Map<string, string>();
  for (const f of [...train, ...tests]) hashes.set(f.path, sha256Of(await retryTransient(() => readFile(f.path))));

  const runner = new StepRunner({ cacheDir: join(options.dataDir, "cache"), log, ...(options.progress ? { progress: options.progress } : {}) });
  const reportDir = join(options.dataDir, "reports");

  // Scoped so that validate's output (the largest) can be freed once split has read it.
  let split: StepOutput;
  let dataReport: TrainRunResult["dataReport"];
  {
    const validated = await runner.run(
      validateStep({ train, tests, hashes, normalization: training.normalization, contract: config.contract, maxTextLength: config.limits.maxTextLength, reportDir }),
    );
    const report = (unpackJson(validated.payload) as { report: DataReport }).report;
    const written = writeDataReport(reportDir, report);
    const warnings = report.findings.filter((f) => f.severity === "warning");
    // One line per kind of warning: forty lines would bury the one that matters.
    const byRule = new Map<string, typeof warnings>();
    for (const w of warnings) byRule.set(w.rule, [...(byRule.get(w.rule) ?? []), w]);
    for (const [rule, ws] of byRule) log(`data warning (${rule}${ws.length > 1 ? `, ${ws.length} in all` : ""}): ${ws[0]!.message}`);
    log(`data report: ${written.markdown} (${warnings.length} warnings)`);
    dataReport = { json: written.json, markdown: written.markdown, warnings: warnings.length };
    split = await runner.run(splitStep(validated, training));
  }
  const language = await runner.run(languageStep(split, training.extraLanguages));
  const fit = await runner.run(fitStep(split, language, training));
  const second = stage2Training(training);
  const fit2 = second ? await runner.run(fitStep(split, language, second, "train-stage2")) : undefined;
  const calibrated = await runner.run(calibrateStep(split, language, fit, training, fit2));
  // A candidate is judged at its own thresholds: base rates choose them from its profile, made here.
  const policy = withoutBaseRates(config.policy);
  const evaluated = await runner.run(evaluateStep(calibrated, split, policy, config.gate));
  const reference = decodeReference((await runner.run(referenceStep(calibrated, split, policy))).payload);
  const profile = decodeProfile((await runner.run(profileStep(calibrated, split, policy))).payload);

  const championVersion = await registry.championVersion();
  const championRecord = championVersion ? await registry.record(championVersion) : null;
  const champion = championRecord ? { version: championRecord.version, sha256: championRecord.sha256, path: championRecord.path } : null;
  const gated = await runner.run(gateStep(evaluated, calibrated, split, champion, policy, config.gate));
  const verdict = decodeGated(gated.payload).verdict;

  // Lineage: what made this model. Kept in the registry record, not in the artifact,
  // because it changes with time (commit, champion) while the bytes must not.
  const candidateSha = calibrated.sha256;
  const ownRecord = (await registry.list()).find((m) => m.sha256 === candidateSha);
  const previousParent = ((ownRecord?.meta.lineage as { parent?: string | null } | undefined)?.parent ?? null) as string | null;
  const lineage = {
    parent: championRecord && championRecord.sha256 !== candidateSha ? championRecord.version : previousParent,
    code: { commit: options.code?.commit ?? null, dirty: options.code?.dirty ?? false, trainer: TRAINER_VERSION },
    config,
    data: {
      files: train.map((f) => ({ name: f.name, path: f.path, sha256: hashes.get(f.path)!, licence: f.licence ?? "unknown", commercial_use: f.commercialUse ?? null })),
      tests: tests.map((f) => ({ path: f.path, sha256: hashes.get(f.path)! })),
      excluded_by_licence: resolved.filter((f) => !train.includes(f)).map((f) => f.name),
      report: dataReport,
    },
    steps: Object.fromEntries(runner.history.map((h) => [h.name, h.key])),
  };
  const registered = decodeRegistered((await runner.run(registerStep(calibrated, evaluated, gated, registry, lineage))).payload);
  registry.storeReference(registered.version, reference);
  registry.storeProfile(registered.version, profile);

  if (options.exportPath) {
    // The artifact, and beside it the monitoring reference and the score profile that go with it.
    const exported = [
      [options.exportPath, calibrated.payload],
      [sidecarPathFor(options.exportPath, "references"), Buffer.from(JSON.stringify(reference))],
      [sidecarPathFor(options.exportPath, "profiles"), Buffer.from(JSON.stringify(profile))],
    ] as const;
    for (const [path, bytes] of exported) {
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
    }
  }
  let promoted = false;
  if (options.promote && verdict.passed) {
    if (championVersion !== registered.version) await registry.promote(registered.version, "promoted by warden train --promote (gate passed)");
    promoted = true;
  }
  return {
    version: registered.version,
    artifact: registered.path,
    sha256: registered.sha256,
    gate: verdict.passed ? "passed" : "failed",
    cached_steps: runner.cachedSteps,
    promoted,
    verdict,
    evaluation: decodeEvaluated(evaluated.payload).evaluation,
    dataReport,
  };
}
