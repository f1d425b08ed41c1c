import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { resolveDatasets } from "../../src/data/datasets.js";
import { Engine } from "../../src/engine/engine.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { modelCard } from "../../src/report/card.js";
import { paragraph, table, toHtml, toMarkdown } from "../../src/report/document.js";
import { cardFacts } from "../../src/report/facts.js";
import { fixtureArtifact, fixtureProfile, startTestServer, writeFixtureDataset } from "../helpers/fixture.js";

describe("report documents", () => {
  it("escape everything but **bold** and `code` in HTML, and table pipes in Markdown", () => {
    const blocks = [paragraph('**ok** `x` <img src=x onerror="alert(1)">'), table(["a|b", "<script>"], [["1|2", "</td><script>alert(1)</script>"]])];
    const html = toHtml("<title>", blocks, []);
    assert.ok(!/<script>|<img/i.test(html), html);
    assert.match(html, /<strong>ok<\/strong> <code>x<\/code> &lt;img/);
    assert.match(html, /<title>&lt;title&gt;<\/title>/);
    const md = toMarkdown(blocks);
    assert.match(md, /\| a\\\|b \| <script> \|/);
    assert.match(md, /\| 1\\\|2 \|/);
  });
});

describe("the model card", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-card-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFixtureDataset(dir);
  const files = resolveDatasets([dir], "test");
  const artifact = deserializeModel(fixtureArtifact(), "fixture");
  const engine = new Engine({ version: "m-0123456789ab", model: artifact.model }, parseConfig({}, "test").policy);
  const input = {
    version: "m-0123456789ab",
    sha256: "ab".repeat(32),
    meta: {
      ...artifact.meta,
      datasets: [{ name: "fixture_<b>abuse</b>", task: "abusive", lang: "en", licence: "CC BY 4.0", commercial_use: true, rows: 100 }],
      lineage: { parent: null, code: { commit: "c".repeat(40), dirty: false }, gate: { passed: true, reasons: ["ok"] }, data: { files: [{ name: "fixture_abuse", sha256: "d".repeat(64) }] } },
    },
    heads: engine.categories,
    identifiable: artifact.model.language.labels,
    evaluation: { report: evaluate(engine, files), facts: cardFacts(engine, files), command: "warden report --data fixture", baseRate: 0.05 },
  };
  const card = modelCard(input);

  it("opens with what the model does, its accuracy per language and when not to trust it, for non-experts", () => {
    const first = card.html.slice(card.html.indexOf('<section class="card-first">'), card.html.indexOf("</section>"));
    for (const h of ["What it does", "How accurate it is, per language", "When not to trust it"]) assert.ok(first.includes(h), h);
    assert.match(first, /of 100 messages it flags, truly flaggable/);
  });

  it("draws the calibration plot and says the thresholds in plain words", () => {
    assert.match(card.html, /<svg[^>]*aria-label="calibration plot"[\s\S]*<circle/);
    assert.match(card.markdown, /expected calibration error/);
    assert.match(card.markdown, /\*\*abusive, en\*\* \(\d+ test messages, \d+ abusive\): (of 100 messages it blocks, about \d+ are truly abusive|it blocked only \d+ test messages|no test message reached)/);
  });

  it("counts the innocent test messages each review threshold flags", () => {
    for (const t of input.evaluation.facts.thresholds) {
      const flaggedPositives = Math.round((t.reviewPrecision ?? 0) * t.flaggedCount);
      assert.equal(t.reviewFalsePositiveRate, t.n > t.positives ? (t.flaggedCount - flaggedPositives) / (t.n - t.positives) : null);
    }
  });

  it("says what a test precision becomes on a platform where positives are rarer, only where enough messages were flagged", () => {
    const fact = { category: "abusive", lang: "en", n: 200, positives: 100, review: 0.4, block: 0.9, reviewPrecision: 0.8, reviewRecall: 0.8, reviewFalsePositiveRate: 0.2, blockPrecision: 0.95, blockRecall: 0.3, flaggedCount: 100, blockedCount: 32, atBaseRate: null };
    const few = { ...fact, lang: "de", flaggedCount: 10 };
    const shifted = modelCard({ ...input, evaluation: { ...input.evaluation, facts: { limit: null, thresholds: [fact, few], calibration: [] } } });
    // 5% positive: 0.05 · 0.8 caught, 0.95 · 0.2 innocent flagged, so 0.04 / 0.23 of the flags are right.
    assert.match(shifted.markdown, /\*\*abusive, en\*\*.* Where 5 in 100 messages are abusive, about 17 of 100 it flags would be\./);
    assert.match(shifted.markdown, /\| abusive \| en \| 0\.400 \| 0\.900 \| 0\.800 \| 0\.800 \| 0\.950 \| 0\.300 \| 0\.174 \|/);
    assert.doesNotMatch(shifted.markdown, /\*\*abusive, de\*\*.* Where 5 in 100/);
    assert.match(shifted.markdown, /\| abusive \| de \| .* \| – \|/);
    const rarer = modelCard({ ...input, evaluation: { ...input.evaluation, baseRate: 0.025, facts: { limit: null, thresholds: [fact], calibration: [] } } });
    assert.match(rarer.markdown, /Where 2\.5 in 100 messages are abusive, about 9 of 100 it flags would be\./);
  });

  it("says what stating the base rate would give: the review threshold chosen for it, its precision there and the recall it keeps", () => {
    const fact = { category: "abusive", lang: "en", n: 200, positives: 100, review: 0.4, block: 0.9, reviewPrecision: 0.8, reviewRecall: 0.8, reviewFalsePositiveRate: 0.2, blockPrecision: 0.95, blockRecall: 0.3, flaggedCount: 100, blockedCount: 32, atBaseRate: { review: 0.9, recall: 0.4, falsePositiveRate: 0.01, flaggedCount: 41 } };
    const card = modelCard({ ...input, evaluation: { ...input.evaluation, facts: { limit: null, thresholds: [fact], calibration: [] } } });
    // 5% positive: 0.05 · 0.4 caught, 0.95 · 0.01 innocent flagged, so 0.02 / 0.0295 of the flags are right.
    assert.match(card.markdown, /Told so \(`policy\.thresholds\.abusive\.baseRate: 0\.05`\), it would flag from 0\.900 instead: about 68 of 100 flags right there, and 40 of every 100 abusive messages caught\./);
    assert.match(card.markdown, /\| 0\.174 \| 0\.900 \| 0\.678 \/ 0\.400 \|/);
  });

  it("keeps, from a model's profile, the review threshold its base rate chooses, with the test messages at it", () => {
    // The fixture's own profile: cardFacts' thresholds are the ones resolving a base rate gives.
    const profiled = new Engine({ version: "m-0123456789ab", model: artifact.model, profile: fixtureProfile(fixtureArtifact()) }, parseConfig({}, "test").policy);
    const stated = new Engine({ version: "m-0123456789ab", model: artifact.model, profile: profiled.profile }, parseConfig({ policy: { thresholds: { abusive: { baseRate: 0.1 } } } }, "test").policy);
    const facts = cardFacts(profiled, files, undefined, 0.1);
    const en = facts.thresholds.find((t) => t.category === "abusive" && t.lang === "en")!;
    assert.equal(en.atBaseRate?.review, stated.flagThreshold("abusive", "en"));
    const served = cardFacts(stated, files).thresholds.find((t) => t.category === "abusive" && t.lang === "en")!;
    assert.equal(en.atBaseRate?.flaggedCount, served.flaggedCount, "the same messages flagged as by an engine told that rate");
    assert.equal(cardFacts(engine, files).thresholds[0]!.atBaseRate, null, "no profile, nothing to choose from");
  });

  it("says a block threshold that nothing reaches (a base rate's, where no threshold is precise enough) is never", () => {
    const fact = { category: "abusive", lang: "en", n: 200, positives: 100, review: 0.92, block: Number.POSITIVE_INFINITY, reviewPrecision: 0.9, reviewRecall: 0.4, reviewFalsePositiveRate: 0.04, blockPrecision: null, blockRecall: 0, flaggedCount: 44, blockedCount: 0, atBaseRate: null };
    const card = modelCard({ ...input, evaluation: { ...input.evaluation, facts: { limit: null, thresholds: [fact], calibration: [] } } });
    assert.match(card.markdown, /\| abusive \| en \| 0\.920 \| never \| 0\.900 \| 0\.400 \| – \| 0\.000 \|/);
  });

  it("names its data with licences and its lineage, and escapes what the data says", () => {
    assert.match(card.markdown, /\| fixture_<b>abuse<\/b> \| en \| abusive \| 100 \| CC BY 4.0 \| yes \|/);
    assert.ok(card.html.includes("fixture_&lt;b&gt;abuse&lt;/b&gt;") && !card.html.includes("<b>abuse"));
    assert.match(card.markdown, /git commit `c{40}`/);
    assert.match(card.markdown, /promotion gate: passed/);
  });
});

describe("GET /v1/models/{version}/card", () => {
  it("serves the card kept in the registry, as static HTML or Markdown, and 404s with a hint otherwise", async () => {
    const server = await startTestServer();
    try {
      server.registry.storeCard(server.version, "html", "<!doctype html><p>card</p>");
      server.registry.storeCard(server.version, "md", "# card");
      const html = await server.app.inject({ method: "GET", url: `/v1/models/${server.version}/card` });
      assert.equal(html.statusCode, 200);
      assert.match(String(html.headers["content-type"]), /text\/html/);
      assert.match(String(html.headers["content-security-policy"]), /default-src 'none'/);
      assert.equal(html.body, "<!doctype html><p>card</p>");
      const md = await server.app.inject({ method: "GET", url: `/v1/models/${server.version}/card?format=md` });
      assert.equal(md.body, "# card");
      const missing = await server.app.inject({ method: "GET", url: "/v1/models/m-000000000000/card" });
      assert.equal(missing.statusCode, 404);
      assert.match(missing.json().error.message, /warden report --model m-000000000000/);
      assert.equal((await server.app.inject({ method: "GET", url: "/v1/models/..%2F..%2Fetc/card" })).statusCode, 404);
      assert.equal((await server.app.inject({ method: "GET", url: `/v1/models/${server.version}/card?format=pdf` })).statusCode, 400);
    } finally {
      await server.close();
    }
  });
});
