import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { resolveDatasets } from "../../src/data/datasets.js";
import { Engine } from "../../src/engine/engine.js";
import { deletionMarkdown, deletionTest } from "../../src/eval/deletion.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { fixtureArtifact, writeFixtureDataset } from "../helpers/fixture.js";

describe("the deletion test of explanations", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-deletion-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFixtureDataset(dir);
  const files = resolveDatasets([dir], "test");
  const engine = new Engine({ version: "fixture", model: deserializeModel(fixtureArtifact(), "fixture").model }, parseConfig({}, "test").policy);

  it("finds the fixture model's top spans matter more than random ones", () => {
    const rows = deletionTest(engine, files);
    for (const r of rows) {
      assert.ok(r.n >= 5, `${r.dataset}: ${r.n} flagged messages`);
      // A tiny template model: well above chance on every dataset…
      assert.ok(r.faithful > 0.6, `${r.dataset}: ${r.faithful}`);
      assert.ok(r.meanTopDrop > Math.max(0, r.meanRandomDrop), `${r.dataset}: ${r.meanTopDrop} vs ${r.meanRandomDrop}`);
    }
    // …and, pooled (a handful of messages per dataset is too few for a ratio), its top spans carry several times the weight.
    const pooled = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((a, r) => a + r.n * f(r), 0) / rows.reduce((a, r) => a + r.n, 0);
    assert.ok(pooled((r) => r.meanTopDrop) > 2 * Math.max(0, pooled((r) => r.meanRandomDrop)), JSON.stringify(rows));
    assert.match(deletionMarkdown(rows, "test"), /\| fixture_abuse \| \w+ \| \d+ \| \d+\.\d%/);
  });

  it("measures nothing where there is nothing flagged", () => {
    const rows = deletionTest(engine, files.filter((f) => f.name === "fixture_abuse"), 0);
    assert.equal(rows[0]!.n, 0);
  });
});
