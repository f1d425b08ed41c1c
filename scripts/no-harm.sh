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
echo '{"training":{"normalization":"basic"}}' > "$tmp/basic.json"
jq -s '.[0] * .[1]' models/default.config.json "$tmp/basic.json" > "$tmp/basic-full.json" 2>/dev/null || node -e '
  const a = require(process.argv[1]); a.training.normalization = "basic"; console.log(JSON.stringify(a));' "$PWD/models/default.config.json" > "$tmp/basic-full.json"
full=$(node bin/warden.js train --data "$data" --config models/default.config.json --data-dir "$tmp/wd" 2>/dev/null | tail -n 1 | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).version))')
basic=$(node bin/warden.js train --data "$data" --config "$tmp/basic-full.json" --data-dir "$tmp/wd" 2>/dev/null | tail -n 1 | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).version))')
paths=()
for s in "${sets[@]}"; do paths+=("$data/$s"); done
node bin/warden.js eval --data "${paths[@]}" --model "$full" --data-dir "$tmp/wd" --json > "$tmp/full.json"
node bin/warden.js eval --data "${paths[@]}" --model "$basic" --data-dir "$tmp/wd" --json > "$tmp/basic.json"
node -e '
  const full = require(process.argv[1]), basic = require(process.argv[2]);
  const rows = full.datasets.map((d, i) => `| ${d.name} | ${d.lang} | ${basic.datasets[i].f1.toFixed(3)} | ${d.f1.toFixed(3)} | ${((d.f1 - basic.datasets[i].f1) * 100).toFixed(1)} |`);
  console.log(["| dataset | lang | F1, basic normalizer | F1, full normalizer | difference (points) |", "|---|---|---:|---:|---:|", ...rows].join("\n"));
' "$tmp/full.json" "$tmp/basic.json" > "$out"
