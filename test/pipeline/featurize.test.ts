import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { readExamples, resolveDatasets, type Example } from "../../src/data/datasets.js";
import { mulberry32 } from "../../src/model/shuffle.js";
import { workerSource } from "../../src/pipeline/featurize.js";
import { firstPassMany, splitStage } from "../../src/pipeline/split.js";
import { fitStage, languageStage } from "../../src/pipeline/train.js";
import { writeData } from "./helpers.js";

/** Weights fitted with in-thread extraction and with the worker's, as bytes. */
function fitBothWays(examples: Example[], bits: number, epochs: number): [Buffer, Buffer] {
  const config = parseConfig({ training: { epochs, features: { bits } } }).training;
  const split = splitStage(examples, firstPassMany(examples.map((e) => e.text), config.normalization), config);
  const language = languageStage(split, config.extraLanguages);
  const bytes = (f: { weights: Float32Array; bias: Float32Array }): Buffer => Buffer.concat([Buffer.from(f.weights.buffer), Buffer.from(f.bias.buffer)]);
  return [bytes(fitStage(split, language, config)), bytes(fitStage(split, language, config, () => {}, workerSource))];
}

function fixtureExamples(): Example[] {
  const dir = mkdtempSync(join(tmpdir(), "warden-featurize-"));
  try {
    return resolveDatasets([writeData(dir, 3)], "train").flatMap((f) => readExamples(f));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("features from a worker thread", () => {
  it("teach exactly the weights that in-thread extraction teaches", () => {
    const [here, there] = fitBothWays(fixtureExamples(), 14, 4);
    assert.ok(here.equals(there));
  });

  it("hand a vector too large for the shared slots back to the loop, with the same result", () => {
    const examples = fixtureExamples();
    // ~800,000 distinct buckets at 2^20, with or without a language namespace: more than a slot holds
    const rand = mulberry32(7);
    const text = Array.from({ length: 400_000 }, (_, i) => (i % 9 === 8 ? " " : String.fromCharCode(97 + Math.floor(rand() * 26)))).join("");
    examples.splice(10, 0, { ...examples[0]!, text });
    const [here, there] = fitBothWays(examples, 20, 1);
    assert.ok(here.equals(there));
  });
});
