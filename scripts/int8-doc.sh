#!/usr/bin/env bash
# The int8 model against its float twin (same data, same config but training.quantize),
# on the first 1,000 rows of each shared test split: F1 per dataset and file sizes, as
# Markdown. Both come out of one cached pipeline run: only calibrate onwards differ.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
out="${2:-/dev/stdout}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kind in int8 none; do
  node -e 'const c = require(process.argv[1]); c.training.quantize = process.argv[2]; console.log(JSON.stringify(c));' "$PWD/models/default.config.json" "$kind" > "$tmp/$kind.json"
  node bin/warden.js train --data "$data" --config "$tmp/$kind.json" --data-dir "$tmp/wd" --export "$tmp/$kind.wdn" 2>/dev/null | tail -n 1 > "$tmp/$kind.train.json"
  version=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version)' "$tmp/$kind.train.json")
  node bin/warden.js eval --data "$data" --limit 1000 --model "$version" --data-dir "$tmp/wd" --json > "$tmp/$kind.eval.json"
done
node -e '
  const fs = require("fs");
  const [dir, out] = process.argv.slice(1);
  const f32 = require(`${dir}/none.eval.json`), int8 = require(`${dir}/int8.eval.json`);
  const size = (k) => fs.statSync(`${dir}/${k}.wdn`).size;
  const pts = (x) => (x >= 0 ? "+" : "−") + Math.abs(100 * x).toFixed(2);
  const rows = f32.datasets.map((d) => { const q = int8.datasets.find((x) => x.name === d.name); return `| ${d.name} | ${d.lang} | ${d.f1.toFixed(3)} | ${q.f1.toFixed(3)} | ${pts(q.f1 - d.f1)} |`; });
  fs.writeFileSync(out, [
    `Produced by \`bash scripts/int8-doc.sh\`: the shipped config trained twice, with f32 weight tables (${f32.model}) and with int8 ones (${int8.model}, a scale per block of 256 weights; calibration and thresholds fitted on the quantized weights), judged on the first 1,000 rows of each test split.`,
    "",
    `| | f32 | int8 |`,
    `|---|---:|---:|`,
    `| artifact size | ${(size("none") / 1e6).toFixed(1)} MB | ${(size("int8") / 1e6).toFixed(1)} MB |`,
    `| mean F1 over ${f32.datasets.length} datasets | ${f32.meanF1.toFixed(4)} | ${int8.meanF1.toFixed(4)} (${pts(int8.meanF1 - f32.meanF1)} points) |`,
    "",
    "| dataset | lang | F1, f32 | F1, int8 | difference (points) |",
    "|---|---|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n"));
' "$tmp" "$out"
