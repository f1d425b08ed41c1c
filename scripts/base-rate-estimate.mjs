// How well monitoring's label-free base-rate estimate (src/monitor/base-rate-estimate.ts)
// finds the share of positives in traffic, per shared dataset: on the first 1,000 rows of
// its test split as they are, and on a platform-like mix of them where 5% are positive
// (every negative, and the first positives up to 5%). Then, on those mixes under a policy
// stating that 5% base rate, the flags' real precision beside the label-free estimate,
// from the scores as they are and rebased to the stated rate (src/monitor/cbpe.ts).
// Markdown for docs/monitoring.md: node scripts/base-rate-estimate.mjs [DATA]
import { readFileSync } from "node:fs";
import { parseConfig } from "../dist/src/config.js";
import { Engine } from "../dist/src/engine/engine.js";
import { PROFILE_BINS, binOf } from "../dist/src/model/profile.js";
import { trafficBaseRate } from "../dist/src/monitor/base-rate-estimate.js";
import { BaseRateRebaser } from "../dist/src/monitor/cbpe.js";
import { loadDefaultModel } from "../dist/src/registry/registry.js";

const data = process.argv[2] ?? "../shared/data";
const LIMIT = 1000;
const MIX = 0.05;
const loaded = loadDefaultModel();
const engine = new Engine(loaded, parseConfig({}).policy);
const stated = parseConfig({ policy: { thresholds: Object.fromEntries(["abusive", "hate", "spam"].map((c) => [c, { baseRate: MIX }])) } }).policy;
const platform = new Engine(loaded, stated);
const rebaser = BaseRateRebaser.for(loaded.profile, stated);
const catalogue = JSON.parse(readFileSync(`${data}/datasets.json`, "utf8"));

/** The estimate over `rows` (each with its detected language and its category's score). */
function estimate(rows, category) {
  const byLang = new Map();
  for (const r of rows) {
    if (!byLang.has(r.lang)) byLang.set(r.lang, new Array(PROFILE_BINS).fill(0));
    byLang.get(r.lang)[binOf(r.score, PROFILE_BINS)]++;
  }
  return trafficBaseRate(loaded.profile, category, byLang).estimated;
}
const mean = (rows) => rows.reduce((a, r) => a + r.score, 0) / rows.length;
const f3 = (x) => (x === null ? "–" : x.toFixed(3));

const results = [];
for (const name of Object.keys(catalogue).sort()) {
  const { task } = catalogue[name];
  const lines = readFileSync(`${data}/${name}/test.jsonl`, "utf8").trim().split("\n").slice(0, LIMIT).map((l) => JSON.parse(l));
  const rows = lines.map((l) => {
    const c = engine.classify(l.text);
    const p = platform.classify(l.text);
    return { label: l.label, lang: c.lang, score: c.categories[task], flagged: p.categories[task] >= platform.flagThreshold(task, p.lang, p.stage), atRate: rebaser.rebase(p.categories, p.lang).categories[task], platformScore: p.categories[task] };
  });
  const negatives = rows.filter((r) => !r.label);
  const positives = rows.filter((r) => r.label);
  const k = Math.round((negatives.length * MIX) / (1 - MIX));
  const mix = k > 0 && k <= positives.length ? [...negatives, ...positives.slice(0, k)] : null;
  const flagged = mix ? mix.filter((r) => r.flagged) : [];
  const precision = (pick) => (flagged.length > 0 ? flagged.reduce((a, r) => a + pick(r), 0) / flagged.length : null);
  results.push({
    name, task, flagged: flagged.length, realPrecision: precision((r) => r.label), scorePrecision: precision((r) => r.platformScore), ratePrecision: precision((r) => r.atRate),
    share: positives.length / rows.length, estimated: estimate(rows, task), meanScore: mean(rows),
    mixRows: mix?.length ?? null, mixShare: mix ? k / mix.length : null, mixEstimated: mix ? estimate(mix, task) : null, mixMeanScore: mix ? mean(mix) : null,
  });
}
const meanAbs = (pick, truth) => {
  const rs = results.filter((r) => pick(r) !== null);
  return rs.reduce((a, r) => a + Math.abs(pick(r) - truth(r)), 0) / rs.length;
};
const mixed = results.filter((r) => r.mixEstimated !== null).map((r) => r.mixEstimated).sort((a, b) => a - b);
console.log(`Produced by: \`node scripts/base-rate-estimate.mjs\` (model ${loaded.version}; first ${LIMIT.toLocaleString("en-US")} rows of each test split; the mix keeps every negative and the first positives up to ${MIX * 100}%).`);
console.log("");
console.log(`| dataset | task | positive share | estimated | mean score | ${MIX * 100}% mix: rows | positive share | estimated | mean score |`);
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of results) console.log(`| ${r.name} | ${r.task} | ${f3(r.share)} | ${f3(r.estimated)} | ${f3(r.meanScore)} | ${r.mixRows ?? "–"} | ${f3(r.mixShare)} | ${f3(r.mixEstimated)} | ${f3(r.mixMeanScore)} |`);
console.log("");
console.log(`Mean absolute error over the ${results.length} test splits as they are: estimate ${f3(meanAbs((r) => r.estimated, (r) => r.share))}, mean score ${f3(meanAbs((r) => r.meanScore, (r) => r.share))}. Over the ${mixed.length} ${MIX * 100}% mixes: estimate ${f3(meanAbs((r) => r.mixEstimated, (r) => r.mixShare))}, mean score ${f3(meanAbs((r) => r.mixMeanScore, (r) => r.mixShare))}; the estimates' median ${f3(mixed[Math.floor(mixed.length / 2)])}, and ${mixed.filter((e) => e >= 0.025 && e <= 0.1).length} of ${mixed.length} within a factor of two of 5%.`);
const judged = results.filter((r) => r.flagged >= 10);
console.log("");
console.log(`The flags' precision on the same ${MIX * 100}% mixes, under a policy stating that base rate in every category (so the thresholds are chosen for it too), beside the label-free estimate (the mean score of the flagged messages) from the scores as they are and rebased to the stated rate; datasets with at least 10 flags:`);
console.log("");
console.log("| dataset | flagged | real precision | estimated from the scores | estimated at the stated base rate |");
console.log("|---|---:|---:|---:|---:|");
for (const r of judged) console.log(`| ${r.name} | ${r.flagged} | ${f3(r.realPrecision)} | ${f3(r.scorePrecision)} | ${f3(r.ratePrecision)} |`);
const off = (pick) => judged.reduce((a, r) => a + Math.abs(pick(r) - r.realPrecision), 0) / judged.length;
console.log("");
console.log(`Mean absolute difference from the real precision over ${judged.length} datasets: ${f3(off((r) => r.scorePrecision))} from the scores, ${f3(off((r) => r.ratePrecision))} at the stated base rate.`);
