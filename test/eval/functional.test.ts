/** The functional test suite: its shape (every functionality in every language) and a run through a real engine. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { FUNCTIONALITIES, WEAK_PASS_RATE, functionalCases, functionalMarkdown, runFunctional } from "../../src/eval/functional.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { modelCard } from "../../src/report/card.js";
import { fixtureArtifact } from "../helpers/fixture.js";

describe("the functional tests", () => {
  const cases = functionalCases();
  const languages = [...new Set(cases.map((c) => c.lang))];

  it("cover every functionality in at least five languages, with every template filled", () => {
    assert.ok(languages.length >= 5, languages.join(","));
    for (const f of FUNCTIONALITIES) {
      for (const lang of languages) {
        const mine = cases.filter((c) => c.functionality === f.id && c.lang === lang);
        assert.ok(mine.length >= 3, `${f.id}/${lang}: ${mine.length} cases`);
        assert.ok(mine.every((c) => c.category === f.category && c.flagged === f.flagged));
      }
    }
    assert.ok(cases.every((c) => !c.text.includes("{") && c.text.trim() === c.text && c.text.length > 5));
    assert.equal(new Set(cases.map((c) => `${c.lang}\u0000${c.text}`)).size, cases.length, "no case twice");
  });

  it("report each functionality per language through a real engine, and name the weak spots", () => {
    const engine = new Engine({ version: "fixture", model: deserializeModel(fixtureArtifact(), "fixture").model }, parseConfig({}).policy);
    const report = runFunctional(engine, cases);
    assert.deepEqual(report.rows.map((r) => r.functionality.id), FUNCTIONALITIES.map((f) => f.id));
    for (const r of report.rows) {
      assert.equal(r.n, cases.filter((c) => c.functionality === r.functionality.id).length);
      assert.deepEqual(Object.keys(r.byLang).sort(), [...languages].sort());
      assert.ok(r.passRate >= 0 && r.passRate <= 1);
    }
    assert.deepEqual(report.weakSpots.map((r) => r.functionality.id), report.rows.filter((r) => r.passRate < WEAK_PASS_RATE).map((r) => r.functionality.id));
    // The fixture model knows the English insults of its templates.
    const insult = report.rows.find((r) => r.functionality.id === "insult")!;
    assert.ok(insult.byLang.en!.passRate >= 2 / 3, `${insult.byLang.en!.passRate}`);
    const markdown = functionalMarkdown(report, "test");
    assert.match(markdown, /\| negation: negated hate .* \| not hate \| \d+ \| \d+% \|/);
    // Everyday chat is judged on the abusive category, where a greeting must not be flagged.
    const everyday = cases.filter((c) => c.functionality === "everyday").length;
    assert.match(markdown, new RegExp(`\\| everyday: everyday chat .* \\| not abusive \\| ${everyday} \\| \\d+% \\|`));
    const card = modelCard({ version: "fixture", sha256: "0".repeat(64), meta: {}, heads: ["abusive", "hate", "spam"], identifiable: ["en"], functional: report });
    assert.match(card.markdown, /## Functional tests/);
    assert.match(card.html, /<h2[^>]*>Functional tests<\/h2>/);
  });
});
