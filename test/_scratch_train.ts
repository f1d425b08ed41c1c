import { resolveDatasets, readExamples } from "../src/data/datasets.js";
import { parseConfig } from "../src/config.js";
import { trainLinear } from "../src/pipeline/train.js";
const t0 = Date.now();
const files = resolveDatasets(["../shared/data"], "train");
const ex = files.flatMap(readExamples);
console.log("read", ex.length, Date.now() - t0);
const cfg = parseConfig(JSON.parse(process.argv[2] ?? "{}"));
const r = trainLinear(ex, cfg.training, (s, d, t) => {});
console.log("trained", Date.now() - t0, "ms", r.trainCount, r.validationCount, process.memoryUsage().rss / 1e6);
let sum = 0; let n = 0;
for (const [k, m] of Object.entries(r.validation)) { console.log(k.padEnd(28), m.f1.toFixed(3), m.rocAuc.toFixed(3)); sum += m.f1; n++; }
console.log("mean F1", (sum / n).toFixed(4));
