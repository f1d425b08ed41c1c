/**
 * Reviewers' labels as a dataset (`warden data export-feedback`, and the first step of
 * `warden retrain`): one folder per head (`feedback-<task>/train.jsonl`, the task from
 * the label's category, else the category the model scored highest) with a
 * `datasets.json` catalogue and a `MANIFEST.json` of provenance, so that `warden train
 * --data <dir>` reads it like any other data and the same data contract checks it.
 *
 * Newest label first; the latest label of a prediction wins; rows whose text was not
 * retained are left out and counted; texts that repeat the training data or an
 * earlier label (same normalized text) are dropped and counted. The version is the
 * hash of the rows, so the same labels give the same version.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContractConfig } from "../config.js";
import { checkContract, nearDuplicateKey, type DataReport } from "../data/contract.js";
import { DEFAULT_TASK, type DatasetFile } from "../data/datasets.js";
import { parseDatasetFile } from "../data/schema.js";
import { topCategory } from "../engine/policy.js";
import { normalizeText } from "../text/normalize.js";
import type { FeedbackRecord, PredictionRecord, Store } from "../store/types.js";

export const FEEDBACK_PREFIX = "feedback-";

export interface ExportOptions {
  /** Where the dataset folder goes: `<out>/<version>/`. */
  readonly out: string;
  /** Training data whose texts are not exported again. */
  readonly against: readonly DatasetFile[];
  readonly maxRows: number;
  readonly contract: ContractConfig & { readonly maxTextLength: number };
  /** The heads a label may teach; another category falls back to the top-scored one. */
  readonly heads: readonly string[];
  readonly now?: number;
}

export interface FeedbackExport {
  readonly version: string;
  /** The dataset folder (`--data` for training). */
  readonly dir: string;
  readonly rows: number;
  readonly byTask: Record<string, number>;
  readonly byLang: Record<string, number>;
  readonly leftOut: { readonly textNotRetained: number; readonly predictionNotLogged: number; readonly overLimit: number };
  readonly duplicates: { readonly ofTrainingData: number; readonly ofNewerLabels: number };
  readonly report: DataReport;
}

interface Row {
  readonly text: string;
  readonly label: 0 | 1;
  readonly lang: string;
  readonly source: "feedback";
  readonly category: string;
  readonly id: string;
  readonly model: string;
  readonly reviewer: string | null;
  readonly review: string | null;
  readonly predicted_at: string;
  readonly labelled_at: string;
}

const keyOf = (text: string): string => nearDuplicateKey(normalizeText(text).text);

function taskOf(f: FeedbackRecord, p: PredictionRecord, heads: readonly string[]): string {
  if (f.category && heads.includes(f.category)) return f.category;
  return topCategory(p.categories, heads) ?? (heads.includes(DEFAULT_TASK) ? DEFAULT_TASK : heads[0]!);
}

function trainingKeys(files: readonly DatasetFile[]): Set<string> {
  const keys = new Set<string>();
  for (const f of files) {
    for (const r of parseDatasetFile(f, readFileSync(f.path)).rows) keys.add(keyOf(r.text));
  }
  keys.delete("");
  return keys;
}

const count = (into: Record<string, number>, key: string): void => void (into[key] = (into[key] ?? 0) + 1);

export async function exportFeedback(store: Store, o: ExportOptions): Promise<FeedbackExport> {
  // Read past the cap: labels left out or dropped should not shrink what is exported.
  const labels = await store.listFeedback(o.maxRows * 4);
  const known = trainingKeys(o.against);
  const seenIds = new Set<string>();
  const seenKeys = new Set<string>();
  const leftOut = { textNotRetained: 0, predictionNotLogged: 0, overLimit: 0 };
  const duplicates = { ofTrainingData: 0, ofNewerLabels: 0 };
  const rows: Row[] = [];
  for (const f of labels) {
    if (rows.length >= o.maxRows) break;
    if (seenIds.has(f.id)) continue; // newest first: an older label of the same prediction was corrected
    seenIds.add(f.id);
    const p = f.prediction;
    if (!p) {
      leftOut.predictionNotLogged++;
      continue;
    }
    if (p.text === null) {
      leftOut.textNotRetained++;
      continue;
    }
    if (p.text.length > o.contract.maxTextLength) {
      leftOut.overLimit++;
      continue;
    }
    const key = keyOf(p.text);
    if (key !== "" && known.has(key)) {
      duplicates.ofTrainingData++;
      continue;
    }
    if (key !== "" && seenKeys.has(key)) {
      duplicates.ofNewerLabels++;
      continue;
    }
    seenKeys.add(key);
    rows.push({
      text: p.text, label: f.label, lang: p.lang, source: "feedback", category: taskOf(f, p, o.heads), id: p.id, model: p.model,
      reviewer: f.reviewer, review: p.review, predicted_at: new Date(p.ts).toISOString(), labelled_at: new Date(f.ts).toISOString(),
    });
  }

  const byTask: Record<string, number> = {};
  const byLang: Record<string, number> = {};
  for (const r of rows) {
    count(byTask, r.category);
    count(byLang, r.lang);
  }
  const lines = new Map<string, string[]>();
  for (const r of rows) lines.set(r.category, [...(lines.get(r.category) ?? []), JSON.stringify(r)]);
  const hash = createHash("sha256");
  for (const task of [...lines.keys()].sort()) hash.update(`${task}\n${lines.get(task)!.join("\n")}\n`);
  const version = `fb-${hash.digest("hex").slice(0, 12)}`;

  // Written beside, then renamed: a reader never sees half an export.
  const dir = join(o.out, version);
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  const catalogue: Record<string, unknown> = {};
  const files: DatasetFile[] = [];
  for (const [task, taskLines] of [...lines].sort()) {
    const name = `${FEEDBACK_PREFIX}${task}`;
    mkdirSync(join(tmp, name));
    writeFileSync(join(tmp, name, "train.jsonl"), taskLines.join("\n") + "\n");
    catalogue[name] = { task, licence: "reviewers' labels of this deployment", commercial_use: true };
    files.push({ name, path: join(dir, name, "train.jsonl"), task, licence: "reviewers' labels of this deployment", commercialUse: true });
  }
  writeFileSync(join(tmp, "datasets.json"), JSON.stringify(catalogue, null, 2) + "\n");
  const report = checkContract(
    {
      train: files.map((file) => {
        const parsed = parseDatasetFile(file, Buffer.from(lines.get(file.task)!.join("\n") + "\n"));
        return { file, parsed, normalized: parsed.rows.map((r) => normalizeText(r.text).text) };
      }),
      tests: [],
    },
    o.contract,
  );
  const manifest = {
    version,
    created_at: new Date(o.now ?? Date.now()).toISOString(),
    source: "reviewers' labels joined to the predictions they label (warden data export-feedback)",
    rows: rows.length,
    by_task: byTask,
    by_lang: byLang,
    newest_label: rows[0]?.labelled_at ?? null,
    oldest_label: rows.at(-1)?.labelled_at ?? null,
    left_out: { text_not_retained: leftOut.textNotRetained, prediction_not_logged: leftOut.predictionNotLogged, over_length_limit: leftOut.overLimit },
    duplicates: { of_training_data: duplicates.ofTrainingData, of_newer_labels: duplicates.ofNewerLabels },
    contract: { passed: report.passed, findings: report.findings },
  };
  writeFileSync(join(tmp, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
  mkdirSync(o.out, { recursive: true });
  try {
    renameSync(tmp, dir);
  } catch {
    // The same labels were exported before: that version stands.
    rmSync(tmp, { recursive: true, force: true });
  }
  return { version, dir, rows: rows.length, byTask, byLang, leftOut, duplicates, report };
}
