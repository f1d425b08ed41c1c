import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkContract, nearDuplicateKey, type CheckedFile, type ContractOptions } from "../../src/data/contract.js";
import { readExamples, type DatasetFile } from "../../src/data/datasets.js";
import { dataReportMarkdown } from "../../src/data/report.js";
import { parseDatasetFile } from "../../src/data/schema.js";
import { WardenError } from "../../src/errors.js";
import { normalize } from "../../src/text/normalize.js";

const OPTIONS: ContractOptions = { maxDuplicateRate: 0.05, maxNearDuplicateRate: 0.1, minClassShare: 0.05, leakage: "warn", maxTextLength: 200 };
const file = (name: string, path = `/data/${name}/train.jsonl`): DatasetFile => ({ name, path, task: "abusive", lang: "en" });
const jsonl = (rows: unknown[]): Buffer => Buffer.from(rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n");

function checked(f: DatasetFile, bytes: Buffer): CheckedFile {
  const parsed = parseDatasetFile(f, bytes);
  return { file: f, parsed, normalized: parsed.rows.map((r) => normalize(r.text).text) };
}

/** n distinct rows, every `every`-th abusive. */
function rows(n: number, every = 2, prefix = "message"): Array<{ text: string; label: 0 | 1 }> {
  return Array.from({ length: n }, (_, i) => ({ text: `${prefix} number ${i} about ${["cats", "dogs", "rain", "work"][i % 4]}`, label: (i % every === 0 ? 1 : 0) as 0 | 1 }));
}

describe("the data contract's line rules", () => {
  it("name file and line for every bad line, and keep the good ones", () => {
    const f = file("d");
    const { rows: good, violations } = parseDatasetFile(
      f,
      jsonl([
        { text: "fine", label: 0 },
        "{not json",
        { text: "", label: 1 },
        { text: "   ", label: 1 },
        { label: 1 },
        { text: "ok", label: 2 },
        { text: "ok", label: "1" },
        { text: "ok", label: 1, lang: 7 },
        [1, 2],
        "",
        { text: "also fine", label: 1, lang: "de" },
      ]),
    );
    assert.deepEqual(good.map((r) => [r.line, r.text, r.lang]), [[1, "fine", "en"], [11, "also fine", "de"]]);
    assert.deepEqual(violations.map((v) => [v.line, v.rule]), [[2, "json"], [3, "text"], [4, "text"], [5, "text"], [6, "label"], [7, "label"], [8, "lang"], [9, "json"]]);
    assert.equal(violations[4]!.message, '/data/d/train.jsonl:6: "label" must be 0 or 1. Got 2.');
  });

  it("flag lines that are not UTF-8, and read a byte-order mark as nothing", () => {
    const f = file("d");
    const bytes = Buffer.concat([Buffer.from("\ufeff" + JSON.stringify({ text: "first", label: 0 }) + "\n"), Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from('", "label": 1}\n')]);
    const { rows: good, violations } = parseDatasetFile(f, bytes);
    assert.deepEqual(good.map((r) => r.text), ["first"]);
    assert.deepEqual(violations.map((v) => [v.line, v.rule]), [[2, "encoding"]]);
    assert.match(violations[0]!.message, /^\/data\/d\/train\.jsonl:2: not valid UTF-8/);
  });

  it("make readExamples stop at the first bad line, naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-contract-"));
    try {
      const path = join(dir, "train.jsonl");
      writeFileSync(path, jsonl([{ text: "ok", label: 0 }, { text: "ok", label: 3 }, "bad"]));
      assert.throws(
        () => readExamples(file("d", path)),
        (err: unknown) => err instanceof WardenError && err.code === "DATA_CONTRACT" && err.message === `${path}:2: "label" must be 0 or 1. Got 3. (and 1 more bad lines)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the data contract over datasets", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("passes clean data with no findings", () => {
    const report = checkContract({ train: [checked(file("clean"), jsonl(rows(100)))], tests: [] }, OPTIONS);
    assert.equal(report.passed, true);
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.datasets[0]!.length, { min: 27, p50: 28, p95: 28, max: 28, overLimit: 0 });
    assert.equal(report.datasets[0]!.positiveShare, 0.5);
  });

  it("warns of duplicates, near-duplicates, conflicting labels, imbalance, encoding damage and long texts", () => {
    const data = [
      ...rows(80, 50),
      { text: "message number 1 about dogs", label: 0 }, // exact duplicate
      { text: "MESSAGE number 2 about rain...", label: 1 }, // near-duplicate, other label
      ...Array.from({ length: 10 }, (_, i) => ({ text: `Message  number ${3 + i}, about ${["work", "cats", "dogs", "rain"][i % 4]}.`, label: 0 })),
      { text: "broken \ufffd text", label: 0 },
      { text: "cut emoji \ud83d here", label: 0 },
      { text: "x".repeat(300), label: 0 },
    ];
    const report = checkContract({ train: [checked(file("messy"), jsonl(data))], tests: [] }, OPTIONS);
    assert.equal(report.passed, true, "warnings only");
    const rules = report.findings.map((f) => f.rule);
    assert.deepEqual(rules, ["near-duplicates", "conflicting-labels", "balance", "encoding", "encoding", "length"]);
    const d = report.datasets[0]!;
    assert.equal(d.duplicates, 1);
    assert.equal(d.nearDuplicates, 12);
    assert.equal(d.conflictingLabels, 2);
    assert.equal(d.replacementChars, 1);
    assert.equal(d.loneSurrogates, 1);
    assert.equal(d.length.overLimit, 1);
    assert.match(report.findings.find((f) => f.rule === "encoding")!.message, /1 rows contain U\+FFFD .*first at \/data\/messy\/train\.jsonl:93/);
  });

  it("reports training text found in a test split as leakage, naming test file and line", () => {
    const train = checked(file("a"), jsonl(rows(40)));
    const testFile = file("b", "/data/b/test.jsonl");
    const test = checked(testFile, jsonl([{ text: "something else entirely", label: 0 }, { text: "Message number 7, about WORK.", label: 1 }, { text: "a third text", label: 0 }]));
    const warned = checkContract({ train: [train], tests: [test] }, OPTIONS);
    assert.equal(warned.passed, true);
    assert.deepEqual(warned.leakage, [{ test: "/data/b/test.jsonl", dataset: "b", rows: 3, overlapping: 1, rate: 1 / 3, examples: ["/data/b/test.jsonl:2"] }]);
    assert.match(warned.findings[0]!.message, /^\/data\/b\/test\.jsonl: 1 of 3 test rows \(33\.3%\) also occur in the training data \(normalized text\), first at \/data\/b\/test\.jsonl:2\.$/);
    const failed = checkContract({ train: [train], tests: [test] }, { ...OPTIONS, leakage: "fail" });
    assert.equal(failed.passed, false);
    assert.equal(failed.findings[0]!.severity, "error");
  });

  it("fails on bad lines, in training or test files, and renders a readable report", () => {
    const report = checkContract(
      { train: [checked(file("a"), jsonl([...rows(20), { text: 5, label: 1 }]))], tests: [checked(file("a", "/data/a/test.jsonl"), jsonl(["oops"]))] },
      OPTIONS,
    );
    assert.equal(report.passed, false);
    assert.equal(report.violationCount, 2);
    assert.match(report.findings[0]!.message, /^2 lines break the line rules, first \/data\/a\/train\.jsonl:21: "text" must be a non-empty string\. Got 5\.$/);
    const md = dataReportMarkdown(report);
    assert.match(md, /\*\*Failed\*\*: 1 hard violations/);
    assert.match(md, /`\/data\/a\/test\.jsonl:1: not valid JSON\.`/);
    assert.match(md, /\| a \| 20 \| 50\.0% \|/);
  });

  it("matches near-duplicates across case, punctuation and spacing, but not across words", () => {
    assert.equal(nearDuplicateKey("you are an idiot!!!"), nearDuplicateKey("you  are an idiot"));
    assert.notEqual(nearDuplicateKey("youare an idiot"), nearDuplicateKey("you are an idiot"));
    assert.equal(nearDuplicateKey("🙂 !!"), "");
  });
});
