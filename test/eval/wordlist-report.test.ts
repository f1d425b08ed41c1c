import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { readExamples, resolveDatasets } from "../../src/data/datasets.js";
import { Engine } from "../../src/engine/engine.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { binaryMetrics } from "../../src/eval/metrics.js";
import { evaluateWordList, wordListMarkdown } from "../../src/eval/wordlist-report.js";
import { loadWordListFilters, type WordListFilter } from "../../src/eval/wordlists.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { fixtureArtifact, writeFixtureDataset } from "../helpers/fixture.js";

describe("word-list filters judged like the model (warden eval --wordlists)", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-wordlists-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFixtureDataset(dir);
  const files = resolveDatasets([dir], "test");
  let filters: WordListFilter[] = [];
  before(async () => {
    ({ filters } = await loadWordListFilters());
  });

  it("scores each example by the filter's flag, on its dataset, and per language", () => {
    const obscenity = filters.find((f) => f.name === "obscenity");
    assert.ok(obscenity, "obscenity (a devDependency) is installed");
    const report = evaluateWordList(obscenity, files, 30);
    assert.equal(report.datasets.length, files.length);
    for (const [k, file] of files.entries()) {
      const examples = readExamples(file).slice(0, 30);
      const direct = binaryMetrics(
        examples.map((e) => (obscenity.flag(e.text) ? 1 : 0)),
        examples.map((e) => e.label),
        0.5,
      );
      const row = report.datasets[k]!;
      assert.equal(row.name, file.name);
      assert.deepEqual([row.n, row.positives, row.f1, row.rocAuc], [direct.n, direct.positives, direct.f1, direct.rocAuc]);
      assert.equal(row.secondStage, 0);
    }
    const total = (rows: readonly { n: number }[]): number => rows.reduce((a, r) => a + r.n, 0);
    assert.equal(total(report.languages), total(report.datasets));
    assert.match(report.filter, /^obscenity \d+\.\d+\.\d+/);
  });

  it("puts the model and every filter side by side, then each filter's whole tables", () => {
    const engine = new Engine({ version: "fixture", model: deserializeModel(fixtureArtifact(), "fixture").model }, parseConfig({}, "test").policy);
    const model = evaluate(engine, files, 30);
    const lists = filters.map((f) => evaluateWordList(f, files, 30));
    const md = wordListMarkdown(model, lists, "warden eval --wordlists");
    assert.match(md, new RegExp(`\\| dataset \\| Warden \\| ${lists.map((l) => l.filter.replace(/[.@/]/g, "\\$&")).join(" \\| ")} \\|`));
    const abuse = model.datasets.find((r) => r.name === "fixture_abuse")!;
    assert.match(md, new RegExp(`\\| fixture_abuse \\| ${abuse.f1.toFixed(3)} \\| `));
    assert.match(md, new RegExp(`\\| \\*\\*mean\\*\\* \\| \\*\\*${model.meanF1.toFixed(3)}\\*\\* \\|`));
    for (const l of lists) assert.ok(md.includes(`### ${l.filter}\n`), l.filter);
  });
});
