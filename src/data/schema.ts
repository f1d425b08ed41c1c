/**
 * The data contract's line rules, the one place they live: a dataset file is UTF-8
 * JSONL, one object a line with `text` (a non-empty string), `label` (0 or 1) and,
 * optionally, `lang` (a non-empty string; the catalogue's language otherwise).
 *
 *   const { rows, violations } = parseDatasetFile(file, readFileSync(file.path));
 *   // violations: [{ file: "…/train.jsonl", line: 3, rule: "label", message: "…/train.jsonl:3: \"label\" must be 0 or 1. Got 2." }]
 *
 * Every bad line is reported, not only the first, so one run shows everything to fix.
 */
import type { DatasetFile, Example } from "./datasets.js";

export type Rule = "encoding" | "json" | "text" | "label" | "lang";

export interface Violation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly rule: Rule;
  /** Starts with `file:line:`. */
  readonly message: string;
}

export interface ParsedRow extends Example {
  readonly line: number;
}

export interface ParsedFile {
  readonly rows: ParsedRow[];
  readonly violations: Violation[];
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const BOM = 0xfeff;

/** Lines (1-based) whose bytes are not valid UTF-8. */
function invalidUtf8Lines(bytes: Buffer): number[] {
  const bad: number[] = [];
  let start = 0;
  let line = 1;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    try {
      UTF8.decode(bytes.subarray(start, end));
    } catch {
      bad.push(line);
    }
    start = end + 1;
    line++;
  }
  return bad;
}

export function parseDatasetFile(file: DatasetFile, bytes: Buffer): ParsedFile {
  const violations: Violation[] = [];
  const fail = (line: number, rule: Rule, what: string): void => {
    violations.push({ file: file.path, line, rule, message: `${file.path}:${line}: ${what}` });
  };
  let content: string;
  try {
    content = UTF8.decode(bytes);
  } catch {
    // Rare: find the lines, then read the rest as well as it reads.
    for (const line of invalidUtf8Lines(bytes)) fail(line, "encoding", "not valid UTF-8 (is the file in another encoding?).");
    content = bytes.toString("utf8");
  }
  if (content.charCodeAt(0) === BOM) content = content.slice(1);
  const badEncoding = new Set(violations.map((v) => v.line));
  const lines = content.split("\n");
  const rows: ParsedRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    if (raw.trim() === "" || badEncoding.has(line)) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      fail(line, "json", "not valid JSON.");
      continue;
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
      fail(line, "json", "must be a JSON object.");
      continue;
    }
    const rec = obj as Record<string, unknown>;
    if (typeof rec.text !== "string" || rec.text.trim() === "") {
      fail(line, "text", `"text" must be a non-empty string. Got ${JSON.stringify(rec.text) ?? "nothing"}.`);
      continue;
    }
    if (rec.label !== 0 && rec.label !== 1) {
      fail(line, "label", `"label" must be 0 or 1. Got ${JSON.stringify(rec.label) ?? "nothing"}.`);
      continue;
    }
    if (rec.lang !== undefined && (typeof rec.lang !== "string" || rec.lang === "")) {
      fail(line, "lang", `"lang", when given, must be a non-empty string. Got ${JSON.stringify(rec.lang)}.`);
      continue;
    }
    const lang = (rec.lang as string | undefined) ?? file.lang ?? "unknown";
    rows.push({ text: rec.text, label: rec.label, lang, dataset: file.name, task: file.task, line });
  }
  return { rows, violations };
}
