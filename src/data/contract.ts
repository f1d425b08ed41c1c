/**
 * The data contract over whole datasets, on top of the line rules (schema.ts):
 * encoding damage, duplicate and near-duplicate rates, labels that contradict each
 * other, label balance, text lengths, and leakage of training text into any test split.
 *
 * Hard violations (a line that breaks the schema or is not UTF-8; leakage when
 * `contract.leakage` is "fail") make the report fail and the run stop; everything else
 * is a warning. The report is plain data with no timestamps (same data, same report);
 * report.ts renders it as Markdown.
 *
 *   const report = checkContract({ train: [{ file, sha256, parsed, normalized }], tests: [...] }, options);
 *   report.passed; report.findings; // [{ severity: "warning", rule: "leakage", message: "…" }]
 */
import type { DatasetFile } from "./datasets.js";
import type { ParsedFile, Violation } from "./schema.js";

export interface ContractOptions {
  /** Warn above this share of rows repeating an earlier row's exact text. */
  readonly maxDuplicateRate: number;
  /** Warn above this share of rows repeating an earlier row's normalized text. */
  readonly maxNearDuplicateRate: number;
  /** Warn when a dataset's rarer class is below this share of its rows. */
  readonly minClassShare: number;
  /** Training text found in a test split: a warning, or a hard violation. */
  readonly leakage: "warn" | "fail";
  /** Serving refuses longer texts; training on them is flagged. */
  readonly maxTextLength: number;
}

/** One dataset file as read: its rows, and each row's normalized text (same order). */
export interface CheckedFile {
  readonly file: DatasetFile;
  readonly parsed: ParsedFile;
  readonly normalized: readonly string[];
  readonly sha256?: string;
}

export interface DatasetFacts {
  readonly name: string;
  readonly file: string;
  readonly sha256: string | null;
  readonly rows: number;
  readonly positives: number;
  readonly positiveShare: number;
  readonly duplicates: number;
  readonly nearDuplicates: number;
  /** Rows whose normalized text also occurs with the other label. */
  readonly conflictingLabels: number;
  /** Rows holding U+FFFD, the mark of text decoded with errors before it reached us. */
  readonly replacementChars: number;
  readonly loneSurrogates: number;
  /** In UTF-16 code units, as limits.maxTextLength counts. */
  readonly length: { readonly min: number; readonly p50: number; readonly p95: number; readonly max: number; readonly overLimit: number };
}

export interface LeakageFacts {
  readonly test: string;
  readonly dataset: string;
  readonly rows: number;
  readonly overlapping: number;
  readonly rate: number;
  /** `file:line` of the first few overlapping test rows. */
  readonly examples: string[];
}

export interface Finding {
  readonly severity: "error" | "warning";
  readonly rule: string;
  readonly message: string;
}

export interface DataReport {
  readonly passed: boolean;
  readonly options: ContractOptions;
  readonly datasets: DatasetFacts[];
  readonly leakage: LeakageFacts[];
  /** Line-rule violations (the first 100 of each file; `violationCount` counts all). */
  readonly violations: Violation[];
  readonly violationCount: number;
  readonly findings: Finding[];
}

const LISTED_VIOLATIONS_PER_FILE = 100;
const LISTED_EXAMPLES = 5;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NOT_WORD = /[^\p{L}\p{M}\p{N}]+/gu;

/**
 * What counts as "the same text" for near-duplicates and leakage: the normalized text
 * with punctuation, symbols and spacing reduced to single spaces ("You IDIOT!!" and
 * "you idiot" meet). Empty when nothing wordlike is left (such rows are never matched).
 */
export function nearDuplicateKey(normalized: string): string {
  return normalized.replace(NOT_WORD, " ").trim();
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function quantile(sorted: Int32Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function datasetFacts(c: CheckedFile, keys: readonly string[], options: ContractOptions, findings: Finding[]): DatasetFacts {
  const { rows } = c.parsed;
  const name = c.file.name;
  const warn = (rule: string, message: string): void => void findings.push({ severity: "warning", rule, message: `${name}: ${message}` });
  const exact = new Set<string>();
  const labelsOf = new Map<string, number>(); // near key → bit 1 for label 0, bit 2 for label 1
  const lengths = new Int32Array(rows.length);
  let positives = 0, duplicates = 0, nearDuplicates = 0, replacement = 0, lone = 0, overLimit = 0;
  let firstReplacement = 0, firstLone = 0;
  rows.forEach((r, i) => {
    positives += r.label;
    lengths[i] = r.text.length;
    if (r.text.length > options.maxTextLength) overLimit++;
    if (exact.has(r.text)) duplicates++;
    else exact.add(r.text);
    const key = keys[i]!;
    if (key !== "") {
      const seen = labelsOf.get(key);
      if (seen !== undefined) nearDuplicates++;
      labelsOf.set(key, (seen ?? 0) | (r.label === 1 ? 2 : 1));
    }
    if (r.text.includes("\ufffd") && replacement++ === 0) firstReplacement = r.line;
    if (LONE_SURROGATE.test(r.text) && lone++ === 0) firstLone = r.line;
  });
  let conflicting = 0;
  for (const key of keys) if (key !== "" && labelsOf.get(key) === 3) conflicting++;
  lengths.sort();
  const n = rows.length;
  const share = (k: number): number => (n > 0 ? k / n : 0);
  const where = (line: number): string => `${c.file.path}:${line}`;

  if (n === 0) warn("empty", "no rows.");
  if (share(duplicates) > options.maxDuplicateRate) warn("duplicates", `${pct(share(duplicates))} of rows (${duplicates}) repeat an earlier row's exact text; the limit is ${pct(options.maxDuplicateRate)}.`);
  if (share(nearDuplicates) > options.maxNearDuplicateRate) {
    warn("near-duplicates", `${pct(share(nearDuplicates))} of rows (${nearDuplicates}) repeat an earlier row's normalized text; the limit is ${pct(options.maxNearDuplicateRate)}.`);
  }
  if (conflicting > 0) warn("conflicting-labels", `${conflicting} rows share their normalized text with a row of the other label.`);
  if (n > 0 && (positives === 0 || positives === n)) warn("balance", `every row has label ${positives === 0 ? 0 : 1}: the head cannot be calibrated on this dataset.`);
  else if (n > 0 && Math.min(share(positives), 1 - share(positives)) < options.minClassShare) {
    warn("balance", `positives are ${pct(share(positives))} of ${n} rows; the rarer class is below ${pct(options.minClassShare)}.`);
  }
  if (replacement > 0) warn("encoding", `${replacement} rows contain U+FFFD (text decoded with errors before it was written), first at ${where(firstReplacement)}.`);
  if (lone > 0) warn("encoding", `${lone} rows contain a lone UTF-16 surrogate (a cut emoji, say), first at ${where(firstLone)}.`);
  if (overLimit > 0) warn("length", `${overLimit} rows are longer than limits.maxTextLength (${options.maxTextLength}); serving refuses such texts.`);

  return {
    name,
    file: c.file.path,
    sha256: c.sha256 ?? null,
    rows: n,
    positives,
    positiveShare: share(positives),
    duplicates,
    nearDuplicates,
    conflictingLabels: conflicting,
    replacementChars: replacement,
    loneSurrogates: lone,
    length: { min: n > 0 ? lengths[0]! : 0, p50: quantile(lengths, 0.5), p95: quantile(lengths, 0.95), max: n > 0 ? lengths[n - 1]! : 0, overLimit },
  };
}

function leakageFacts(trainKeys: ReadonlySet<string>, t: CheckedFile): LeakageFacts {
  let overlapping = 0;
  const examples: string[] = [];
  t.parsed.rows.forEach((r, i) => {
    const key = nearDuplicateKey(t.normalized[i]!);
    if (key === "" || !trainKeys.has(key)) return;
    overlapping++;
    if (examples.length < LISTED_EXAMPLES) examples.push(`${t.file.path}:${r.line}`);
  });
  const rows = t.parsed.rows.length;
  return { test: t.file.path, dataset: t.file.name, rows, overlapping, rate: rows > 0 ? overlapping / rows : 0, examples };
}

export function checkContract(input: { readonly train: readonly CheckedFile[]; readonly tests: readonly CheckedFile[] }, options: ContractOptions): DataReport {
  const findings: Finding[] = [];
  const violations: Violation[] = [];
  let violationCount = 0;
  for (const c of [...input.train, ...input.tests]) {
    violationCount += c.parsed.violations.length;
    violations.push(...c.parsed.violations.slice(0, LISTED_VIOLATIONS_PER_FILE));
  }
  if (violationCount > 0) {
    findings.push({ severity: "error", rule: "schema", message: `${violationCount} lines break the line rules, first ${violations[0]!.message}` });
  }
  const keysOf = input.train.map((c) => c.normalized.map(nearDuplicateKey));
  const datasets = input.train.map((c, k) => datasetFacts(c, keysOf[k]!, options, findings));
  if (datasets.every((d) => d.rows === 0)) findings.push({ severity: "error", rule: "empty", message: "the training data has no rows." });

  const trainKeys = new Set<string>(keysOf.flat());
  trainKeys.delete("");
  const leakage = input.tests.map((t) => leakageFacts(trainKeys, t));
  for (const l of leakage.filter((x) => x.overlapping > 0)) {
    findings.push({
      severity: options.leakage === "fail" ? "error" : "warning",
      rule: "leakage",
      message: `${l.test}: ${l.overlapping} of ${l.rows} test rows (${pct(l.rate)}) also occur in the training data (normalized text), first at ${l.examples[0]}.`,
    });
  }
  return { passed: !findings.some((f) => f.severity === "error"), options, datasets, leakage, violations, violationCount, findings };
}
