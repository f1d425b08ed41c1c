/**
 * Step `validate`: read the training files and the test splits beside them, check the
 * data contract, and hand on each training row with its rule-based normalization (the
 * split reads it, and near-duplicates and leakage are judged on it, so both mean the
 * same "normalized text").
 *
 * Inputs: the sha256 of every file read. A hard violation writes the data report, then
 * stops the run with DATA_CONTRACT naming file and line; the failure is not cached.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContractConfig } from "../../config.js";
import { checkContract, type CheckedFile, type DataReport } from "../../data/contract.js";
import type { DatasetFile, Example } from "../../data/datasets.js";
import { dataReportMarkdown } from "../../data/report.js";
import { parseDatasetFile, type ParsedFile } from "../../data/schema.js";
import { WardenError } from "../../errors.js";
import type { NormalizationLevel } from "../../text/normalize.js";
import { sha256Of } from "../cache.js";
import { pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import { mapOnTwoThreads } from "../parallel.js";
import { retryTransient } from "../retry.js";
import type { Step } from "../runner.js";
import { TASKS, type FirstPass } from "../split.js";
import type { Progress } from "../train.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

/** A training dataset as the artifact's meta lists it (no paths: same data, same bytes). */
export interface DatasetMeta {
  readonly name: string;
  readonly task: string;
  readonly lang: string | null;
  readonly licence: string;
  readonly commercial_use: boolean | null;
  readonly sha256: string;
  readonly rows: number;
}

export interface Validated {
  readonly datasets: DatasetMeta[];
  readonly report: DataReport;
  readonly examples: Example[];
  readonly first: FirstPass[];
}

export interface ValidateOptions {
  readonly train: readonly DatasetFile[];
  readonly tests: readonly DatasetFile[];
  /** sha256 by path, of every file above. */
  readonly hashes: ReadonlyMap<string, string>;
  readonly normalization: NormalizationLevel;
  readonly contract: ContractConfig;
  readonly maxTextLength: number;
  /** Where the data report is written when the contract fails (the run writes it otherwise). */
  readonly reportDir: string;
}

/** A file as read: its contract view plus each row's first normalization pass. */
interface ReadFile extends CheckedFile {
  readonly sha256: string;
  readonly first: FirstPass[];
}

async function readParsed(file: DatasetFile, expected: string): Promise<{ file: DatasetFile; parsed: ParsedFile; sha256: string }> {
  const bytes = await retryTransient(() => readFile(file.path));
  // The cache key was made from the hash; the text read must be that text.
  const sha256 = sha256Of(bytes);
  if (sha256 !== expected) throw new WardenError("DATA_CONTRACT", `${file.path} changed while the run started; run again.`);
  return { file, parsed: parseDatasetFile(file, bytes), sha256 };
}

/** Read and parse every file, then normalize all their rows at once, on two threads. */
async function readAll(files: readonly DatasetFile[], o: ValidateOptions, progress: Progress): Promise<ReadFile[]> {
  const read = await Promise.all(files.map((f) => readParsed(f, o.hashes.get(f.path)!)));
  const texts = read.flatMap((r) => r.parsed.rows.map((row) => row.text));
  const first = await mapOnTwoThreads<string, FirstPass>(TASKS.firstPassMany, texts, o.normalization, (done, total) => progress("validate", done, total));
  let at = 0;
  return read.map((r) => {
    const mine = first.slice(at, (at += r.parsed.rows.length));
    return { ...r, first: mine, normalized: mine.map((f) => f.text) };
  });
}

/** Write the report as JSON and Markdown under `dir`, named by its content; returns both paths. */
export function writeDataReport(dir: string, report: DataReport): { json: string; markdown: string; sha256: string } {
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(report, null, 2) + "\n";
  const sha256 = sha256Of(Buffer.from(json));
  const base = join(dir, `data-${sha256.slice(0, 12)}`);
  writeFileSync(`${base}.json`, json);
  writeFileSync(`${base}.md`, dataReportMarkdown(report));
  return { json: `${base}.json`, markdown: `${base}.md`, sha256 };
}

export function validateStep(o: ValidateOptions): Step {
  const inputs: Record<string, string> = {};
  for (const f of o.train) inputs[`train:${f.path}`] = o.hashes.get(f.path)!;
  for (const f of o.tests) inputs[`test:${f.path}`] = o.hashes.get(f.path)!;
  return {
    name: "validate",
    version: 1,
    code: CODE,
    params: { train: o.train, tests: o.tests.map((f) => f.path), normalization: o.normalization, contract: o.contract, maxTextLength: o.maxTextLength },
    inputs,
    async run(progress: Progress): Promise<Buffer> {
      const checked = await readAll([...o.train, ...o.tests], o, progress);
      const train = checked.slice(0, o.train.length);
      const report = checkContract({ train, tests: checked.slice(o.train.length) }, { ...o.contract, maxTextLength: o.maxTextLength });
      if (!report.passed) {
        const written = writeDataReport(o.reportDir, report);
        const errors = report.findings.filter((f) => f.severity === "error").map((f) => f.message);
        throw new WardenError("DATA_CONTRACT", `the data breaks its contract: ${errors.join(" ")} Full report: ${written.markdown}`);
      }
      const datasets: DatasetMeta[] = train.map((c) => ({
        name: c.file.name,
        task: c.file.task,
        lang: c.file.lang ?? null,
        licence: c.file.licence ?? "unknown",
        commercial_use: c.file.commercialUse ?? null,
        sha256: c.sha256,
        rows: c.parsed.rows.length,
      }));
      return encodeValidated({ datasets, report, examples: train.flatMap((c) => c.parsed.rows), first: train.flatMap((c) => c.first) });
    },
  };
}

function encodeValidated(v: Validated): Buffer {
  const datasetIndex = new Map(v.datasets.map((d, i) => [d.name, i]));
  const langs = [...new Set(v.examples.map((e) => e.lang))].sort();
  const langIndex = new Map(langs.map((l, i) => [l, i]));
  const n = v.examples.length;
  const label = new Uint8Array(n);
  const dataset = new Uint16Array(n);
  const lang = new Uint16Array(n);
  const evasion = new Uint16Array(n);
  const ambiguous = new Uint8Array(n);
  v.examples.forEach((e, i) => {
    label[i] = e.label;
    dataset[i] = datasetIndex.get(e.dataset)!;
    lang[i] = langIndex.get(e.lang)!;
    evasion[i] = v.first[i]!.evasion;
    ambiguous[i] = v.first[i]!.ambiguous ? 1 : 0;
  });
  return pack({
    json: { datasets: v.datasets, report: v.report, langs },
    columns: { label, dataset, lang, evasion, ambiguous },
    strings: { text: v.examples.map((e) => e.text), first: v.first.map((f) => f.text) },
  });
}

export function decodeValidated(buf: Buffer): Validated {
  const { json, columns, strings } = unpack(buf);
  const { datasets, report, langs } = json as { datasets: DatasetMeta[]; report: DataReport; langs: string[] };
  const { label, dataset, lang, evasion, ambiguous } = columns as { label: Uint8Array; dataset: Uint16Array; lang: Uint16Array; evasion: Uint16Array; ambiguous: Uint8Array };
  const text = strings.text!;
  const firstText = strings.first!;
  const examples: Example[] = new Array<Example>(text.length);
  const first: FirstPass[] = new Array<FirstPass>(text.length);
  for (let i = 0; i < text.length; i++) {
    const d = datasets[dataset[i]!]!;
    examples[i] = { text: text[i]!, label: label[i] as 0 | 1, lang: langs[lang[i]!]!, dataset: d.name, task: d.task };
    first[i] = { text: firstText[i]!, ambiguous: ambiguous[i] === 1, evasion: evasion[i]! };
  }
  return { datasets, report, examples, first };
}
