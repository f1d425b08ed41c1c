import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveDatasets } from "../../src/data/datasets.js";
import type { Decisions } from "../../src/eval/metrics.js";
import { evaluateReference, referenceMarkdown, referenceTerms, trainReference } from "../../src/eval/reference.js";
import { writeFixtureDataset } from "../helpers/fixture.js";

describe("reference TF-IDF logistic regression", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-reference-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("emits scikit-learn's char 1–5 and word 1–2 terms (words of two or more letters, lowercased)", () => {
    const terms = referenceTerms("Ab  c");
    // whitespace runs collapse to one space: "ab c" has 4 chars → 4+3+2+1 char n-grams
    assert.deepEqual(terms.filter((t) => t[0] === "c").length, 4 + 3 + 2 + 1);
    assert.ok(terms.includes("cab c"));
    // "c" is a one-letter word and is dropped
    assert.deepEqual(terms.filter((t) => t[0] === "w"), ["wab"]);
    assert.deepEqual(referenceTerms("Güzel gün").filter((t) => t[0] === "w"), ["wgüzel", "wgüzel gün", "wgün"]);
  });

  it("learns a separable problem and scores unseen texts as probabilities", () => {
    const texts = ["you idiot", "stupid idiot", "what an idiot", "thank you", "so kind", "thank you friend"];
    const model = trainReference(texts, [1, 1, 1, 0, 0, 0]);
    const [bad, good] = model.score(["idiot again", "thank you again"]);
    assert.ok(bad! > 0.5 && good! < 0.5, `scores ${bad} ${good}`);
    assert.ok(bad! < 1 && good! > 0);
  });

  it("balanced class weights raise the scores of a rare positive class", () => {
    const texts = ["you idiot", ...Array.from({ length: 9 }, (_, i) => `hello friend number ${i}`)];
    const labels = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const [plain] = trainReference(texts, labels, false).score(["idiot"]);
    const [balanced] = trainReference(texts, labels, true).score(["idiot"]);
    assert.ok(balanced! > plain!, `balanced ${balanced} plain ${plain}`);
  });

  it("trains on each dataset's train split and is judged on its test split", () => {
    const files = resolveDatasets([writeFixtureDataset(dir)], "test");
    const rows = evaluateReference(files, 50);
    assert.equal(rows.length, files.length);
    for (const row of rows) {
      assert.ok(row.n > 0 && row.n <= 50);
      assert.ok(row.f1 > 0.8, `${row.name}: F1 ${row.f1}`);
    }
    const md = referenceMarkdown([{ ...rows[0]!, f1: rows[0]!.f1 - 0.1 }], rows);
    assert.match(md, /-10\.0 \|/);
    assert.match(md, /at or above the reference on 0 of 1/);
    assert.doesNotMatch(md, /95% interval/);
    for (const row of rows) assert.ok(row.hindsightF1 >= row.f1, `${row.name}: hindsight ${row.hindsightF1} < F1 ${row.f1} at the fixed 0.5`);
    const md2 = referenceMarkdown([{ ...rows[0]!, f1: 0.5, hindsightF1: 0.75 }], [{ ...rows[0]!, f1: 0.6, hindsightF1: 0.7 }]);
    assert.match(md2, /\| 0\.700 \| 0\.750 \|\n/);
    assert.match(md2, /reference 0\.700, Warden 0\.750\. F1 at the real threshold minus F1 at the hindsight one, on average: reference -10\.0 points \(its fixed 0\.5\), Warden -25\.0/);
  });

  it("gives each difference its paired-bootstrap interval when both sides' flags are kept", () => {
    const files = resolveDatasets([writeFixtureDataset(dir)], "test");
    const reference = new Map<string, Decisions>();
    const rows = evaluateReference(files, 50, true, reference);
    assert.deepEqual([...reference.keys()], rows.map((r) => r.name));
    // a "Warden" that flags every row: on the mean, behind the reference beyond the rows' luck
    const warden = new Map([...reference].map(([name, d]) => [name, { labels: d.labels, flagged: d.labels.map(() => 1) }]));
    const md = referenceMarkdown(rows, rows, { warden, reference });
    assert.match(md, /\| 95% interval \(points\) \|/);
    assert.match(md, /The reference is ahead beyond that luck on [1-9]\d* of \d+ datasets/);
    assert.match(md, /The mean difference is -[\d.]+ points, 95% interval -[\d.]+ to -[\d.]+\./);
  });
});
