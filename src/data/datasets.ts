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
import { parseDatasetFile } from "./schema.js";

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
 * The other split in the same folder (`<folder>/test.jsonl` beside its
 * `train.jsonl`, or the reverse), described like it; null when there is none.
 */
export function splitBeside(file: DatasetFile, split: Split): DatasetFile | null {
  const own = basename(file.path);
  if (!/^(train|test)\.jsonl$/.test(own) || own === `${split}.jsonl`) return null;
  const path = join(dirname(file.path), `${split}.jsonl`);
  return existsSync(path) ? { ...file, path } : null;
}

/**
 * Read one dataset file. A line that breaks the contract's line rules (schema.ts) stops
 * with an error naming the file and the line; `warden train` checks the whole contract
 * (data/contract.ts) and reports every bad line instead.
 */
export function readExamples(file: DatasetFile): Example[] {
  const { rows, violations } = parseDatasetFile(file, readFileSync(file.path));
  if (violations.length > 0) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more bad lines)` : "";
    throw new WardenError("DATA_CONTRACT", `${violations[0]!.message}${more}`);
  }
  return rows.map(({ text, label, lang, dataset, task }) => ({ text, label, lang, dataset, task }));
}
