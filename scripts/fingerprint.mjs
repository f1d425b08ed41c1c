// Fingerprints of what the text and model paths produce, for refactors that must not
// change any answer: run before and after, compare the two lines.
//   normalize: sha256 of the normalized text, evasion signals and offset maps of every
//              message of every shared train and test split (the shipped model's lexicon)
//   classify:  sha256 of the answers, with explanations, of the benchmark's sample
//              (bench/sample.ts) with stages auto, first and second
//   attacked:  sha256 of the normalized text, signals and offset maps of the sample under
//              every attack family (eval/attacks.ts): the rules that real data rarely reaches
//   batch:     sha256 of the batch path's answers (classifyMany over normalizeText, no
//              offset maps) of the sample and of its attacked copies, stages auto
// Usage: npm run build && node scripts/fingerprint.mjs [../shared/data]
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadSample } from "../dist/bench/sample.js";
import { loadConfig } from "../dist/src/config.js";
import { Engine } from "../dist/src/engine/engine.js";
import { loadDefaultModel } from "../dist/src/registry/registry.js";
import { ATTACK_FAMILIES, attack } from "../dist/src/eval/attacks.js";
import { normalize, normalizeText } from "../dist/src/text/normalize.js";

const data = process.argv[2] ?? "../shared/data";
const loaded = loadDefaultModel();
const { model } = loaded;

/** The mapped normalization of `text` into `hash`, after checking that the unmapped one agrees with it. */
function hashNormalized(hash, text) {
  const r = normalize(text, model.lexicon, model.normalization);
  const plain = normalizeText(text, model.lexicon, model.normalization);
  if (plain.text !== r.text || JSON.stringify(plain.signals) !== JSON.stringify(r.signals)) throw new Error(`normalizeText and normalize disagree on ${JSON.stringify(text)}`);
  hash.update(r.text).update(JSON.stringify(r.signals)).update(Buffer.from(r.starts.buffer, r.starts.byteOffset, r.starts.byteLength)).update(Buffer.from(r.ends.buffer, r.ends.byteOffset, r.ends.byteLength));
}

const norm = createHash("sha256");
let messages = 0;
for (const dataset of readdirSync(data, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  for (const split of ["train.jsonl", "test.jsonl"]) {
    const file = join(data, dataset, split);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      hashNormalized(norm, JSON.parse(line).text);
      messages++;
    }
  }
}
console.log(`normalize ${messages} messages ${norm.digest("hex")}`);

const engine = new Engine(loaded, loadConfig().policy);
const answers = createHash("sha256");
let calls = 0;
const sample = loadSample(data).texts;
for (const text of sample) {
  for (const stages of ["auto", "first", "second"]) {
    answers.update(JSON.stringify(engine.classify(text, { stages, explain: true })));
    calls++;
  }
}
console.log(`classify ${calls} answers ${answers.digest("hex")} (model ${loaded.version})`);

const attackedTexts = ATTACK_FAMILIES.flatMap((family) => sample.map((text) => attack(text, family)));
const attacked = createHash("sha256");
for (const text of attackedTexts) hashNormalized(attacked, text);
console.log(`attacked ${attackedTexts.length} messages ${attacked.digest("hex")}`);

const batch = createHash("sha256");
const batchTexts = [...sample, ...attackedTexts];
for (let i = 0; i < batchTexts.length; i += 1024) batch.update(JSON.stringify(engine.classifyMany(batchTexts.slice(i, i + 1024))));
console.log(`batch ${batchTexts.length} answers ${batch.digest("hex")}`);
