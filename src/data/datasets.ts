/**
 * Datasets on disk: resolve `--data` paths to JSONL files, read their catalogue
 * (`datasets.json`: task, language, licence) and load labeled examples.
 *
 * A path may be a JSONL file, a dataset folder holding `train.jsonl`/`test.jsonl`, or a
 * folder of dataset folders (like ../shared/data). A dataset teaches only the head its
 * catalogue entry names (`task`); without an entry it teaches `abusive`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { WardenError } from "../errors.js";

export type Split = "train" | "test";

export interface CatalogueEntry {
  readonly lang?: string;
  readonly task?: string;
  readonly licence?: string;
  readonly commercial_use?: boolean | null;
}

export interface DatasetFile {
  readonly name: string;
  readonly path: string;
  readonly task: string;
  readonly lang?: string;
  readonly licence?: string;
  readonly commercialUse?: boolean | null;
}

export interface Example {
  readonly text: string;
  readonly label: 0 | 1;
  readonly lang: string;
  readonly dataset: string;
  readonly task: string;
}

export const DEFAULT_TASK = "abusive";

function readCatalogue(dir: string): Record<string, CatalogueEntry> {
  const file = join(dir, "datasets.json");
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, CatalogueEntry>;
  } catch (err) {
    throw new WardenError("DATA_CONTRACT", `${file}: not valid JSON (${(err as Error).message}).`);
  }
}

function describe(name: string, path: string, catalogue: Record<string, CatalogueEntry>): DatasetFile {
  const entry = catalogue[name] ?? {};
  return {
    name,
    path,
    task: entry.task ?? DEFAULT_TASK,
    ...(entry.lang !== undefined ? { lang: entry.lang } : {}),
    ...(entry.licence !== undefined ? { licence: entry.licence } : {}),
    ...(entry.commercial_use !== undefined ? { commercialUse: entry.commercial_use } : {}),
  };
}

/** Resolve `--data` arguments to the dataset files of one split, sorted by name for determinism. */
export function resolveDatasets(paths: readonly string[], split: Split): DatasetFile[] {
  const found: DatasetFile[] = [];
  for (const raw of paths) {
    const path = resolve(raw);
    if (!existsSync(path)) throw new WardenError("DATA_CONTRACT", `data path ${raw} does not exist.`);
    if (statSync(path).isFile()) {
      const parent = dirname(path);
      const isSplitFile = /^(train|test|dev)\.jsonl$/.test(basename(path));
      const name = isSplitFile ? basename(parent) : basename(path).replace(/\.jsonl$/, "");
      found.push(describe(name, path, { ...readCatalogue(dirname(parent)), ...readCatalogue(parent) }));
      continue;
    }
    const own = join(path, `${split}.jsonl`);
    if (existsSync(own)) {
      found.push(describe(basename(path), own, readCatalogue(dirname(path))));
      continue;
    }
    const catalogue = readCatalogue(path);
    const children = readdirSync(path)
      .filter((d) => existsSync(join(path, d, `${split}.jsonl`)))
      .sort();
    if (children.length === 0) {
      throw new WardenError("DATA_CONTRACT", `${raw} holds no ${split}.jsonl (nor folders with one).`);
    }
    for (const d of children) found.push(describe(d, join(path, d, `${split}.jsonl`), catalogue));
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Read one dataset file. A line that breaks the schema stops with an error naming
 * the file and the line (the data contract's hard rule).
 */
export function readExamples(file: DatasetFile): Example[] {
  const content = readFileSync(file.path, "utf8");
  const lines = content.split("\n");
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const where = `${file.path}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw new WardenError("DATA_CONTRACT", `${where}: not valid JSON.`);
    }
    const rec = obj as Record<string, unknown>;
    if (typeof rec !== "object" || rec === null || typeof rec.text !== "string" || rec.text.trim() === "") {
      throw new WardenError("DATA_CONTRACT", `${where}: "text" must be a non-empty string.`);
    }
    if (rec.label !== 0 && rec.label !== 1) {
      throw new WardenError("DATA_CONTRACT", `${where}: "label" must be 0 or 1. Got ${JSON.stringify(rec.label)}.`);
    }
    const lang = typeof rec.lang === "string" ? rec.lang : file.lang ?? "unknown";
    out.push({ text: rec.text, label: rec.label, lang, dataset: file.name, task: file.task });
  }
  return out;
}
