#!/usr/bin/env bash
# "No harm": clean F1 on the non-Latin datasets with the full normalizer against the
# basic one (NFKC, case folding, invisible characters only), same data and config.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
out="${2:-/dev/stdout}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sets=(cold-zh korean-hate-speech l-hsab mlma-ar offenseval-el ru-distorted-toxicity vihsd)
node -e 'const c = require(process.argv[1]); c.training.normalization = "basic"; console.log(JSON.stringify(c));' "$PWD/models/default.config.json" > "$tmp/basic-full.json"
full=$(node bin/warden.js train --data "$data" --config models/default.config.json --data-dir "$tmp/wd" 2>/dev/null | tail -n 1 | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).version))')
basic=$(node bin/warden.js train --data "$data" --config "$tmp/basic-full.json" --data-dir "$tmp/wd" 2>/dev/null | tail -n 1 | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).version))')
paths=()
for s in "${sets[@]}"; do paths+=("$data/$s"); done
node bin/warden.js eval --data "${paths[@]}" --model "$full" --data-dir "$tmp/wd" --json > "$tmp/full.json"
node bin/warden.js eval --data "${paths[@]}" --model "$basic" --data-dir "$tmp/wd" --json > "$tmp/basic.json"
node -e '
  const full = require(process.argv[1]), basic = require(process.argv[2]);
  const pts = (x) => (x >= 0 ? "+" : "−") + Math.abs(x * 100).toFixed(1);
  const rows = full.datasets.map((d, i) => {
    const b = basic.datasets[i];
    return `| ${d.name} | ${d.lang} | ${b.f1.toFixed(3)} | ${d.f1.toFixed(3)} | ${pts(d.f1 - b.f1)} | ${b.rocAuc.toFixed(3)} | ${d.rocAuc.toFixed(3)} | ${pts(d.rocAuc - b.rocAuc)} |`;
  });
  console.log([
    "| dataset | lang | F1, basic | F1, full | F1 difference (points) | ROC AUC, basic | ROC AUC, full | ROC AUC difference (points) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n"));
' "$tmp/full.json" "$tmp/basic.json" > "$out"
