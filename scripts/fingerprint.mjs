// Fingerprints of what the text and model paths produce, for refactors that must not
// change any answer: run before and after, compare the two lines.
//   normalize: sha256 of the normalized text, evasion signals and offset maps of every
//              message of every shared train and test split (the shipped model's lexicon)
//   classify:  sha256 of the answers, with explanations, of the benchmark's sample
//              (bench/sample.ts) with stages auto, first and second
// Usage: npm run build && node scripts/fingerprint.mjs [../shared/data]
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadSample } from "../dist/bench/sample.js";
import { loadConfig } from "../dist/src/config.js";
import { Engine } from "../dist/src/engine/engine.js";
import { loadDefaultModel } from "../dist/src/registry/registry.js";
import { normalize } from "../dist/src/text/normalize.js";

const data = process.argv[2] ?? "../shared/data";
const loaded = loadDefaultModel();
const { model } = loaded;

const norm = createHash("sha256");
let messages = 0;
for (const dataset of readdirSync(data, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  for (const split of ["train.jsonl", "test.jsonl"]) {
    const file = join(data, dataset, split);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      const r = normalize(JSON.parse(line).text, model.lexicon, model.normalization);
      norm.update(r.text).update(JSON.stringify(r.signals)).update(Buffer.from(r.starts.buffer, r.starts.byteOffset, r.starts.byteLength)).update(Buffer.from(r.ends.buffer, r.ends.byteOffset, r.ends.byteLength));
      messages++;
    }
  }
}
console.log(`normalize ${messages} messages ${norm.digest("hex")}`);

const engine = new Engine(loaded, loadConfig().policy);
const answers = createHash("sha256");
let calls = 0;
for (const text of loadSample(data).texts) {
  for (const stages of ["auto", "first", "second"]) {
    answers.update(JSON.stringify(engine.classify(text, { stages, explain: true })));
    calls++;
  }
}
console.log(`classify ${calls} answers ${answers.digest("hex")} (model ${loaded.version})`);
