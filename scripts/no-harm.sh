#!/usr/bin/env bash
# "No harm": clean F1 on the non-Latin datasets with the full normalizer against the
# basic one (NFKC, case folding, invisible characters only), same data and config.
# One pair of models per training seed (default 1 2 3; NO_HARM_SEEDS="1 2 3 4" for more):
# a single pair mixes the normalizer's effect with the seed's, which moves a small
# dataset's F1 by several points on its own, so the table gives the mean over the seeds
# of each seed's paired difference.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
out="${2:-/dev/stdout}"
read -r -a seeds <<< "${NO_HARM_SEEDS:-1 2 3}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sets=(cold-zh korean-hate-speech l-hsab mlma-ar offenseval-el ru-distorted-toxicity vihsd)
paths=()
for s in "${sets[@]}"; do paths+=("$data/$s"); done
for seed in "${seeds[@]}"; do
  for level in full basic; do
    node -e 'const c = require(process.argv[1]); c.training.normalization = process.argv[2]; c.training.seed = Number(process.argv[3]); console.log(JSON.stringify(c));' "$PWD/models/default.config.json" "$level" "$seed" > "$tmp/$level-$seed.config.json"
    version=$(node bin/warden.js train --data "$data" --config "$tmp/$level-$seed.config.json" --data-dir "$tmp/wd" 2>/dev/null | tail -n 1 | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).version))')
    node bin/warden.js eval --data "${paths[@]}" --model "$version" --data-dir "$tmp/wd" --json > "$tmp/$level-$seed.json"
  done
done
node -e '
  const [dir, ...seeds] = process.argv.slice(1);
  const load = (level, seed) => require(`${dir}/${level}-${seed}.json`).datasets;
  const full = seeds.map((s) => load("full", s)), basic = seeds.map((s) => load("basic", s));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pts = (x) => (x >= 0 ? "+" : "−") + Math.abs(x * 100).toFixed(1);
  const rows = full[0].map((d, i) => {
    const f1 = (runs) => mean(runs.map((r) => r[i].f1)), roc = (runs) => mean(runs.map((r) => r[i].rocAuc));
    const diffs = seeds.map((_, k) => pts(full[k][i].f1 - basic[k][i].f1)).join(", ");
    return `| ${d.name} | ${d.lang} | ${f1(basic).toFixed(3)} | ${f1(full).toFixed(3)} | **${pts(f1(full) - f1(basic))}** | ${diffs} | ${roc(basic).toFixed(3)} | ${roc(full).toFixed(3)} | ${pts(roc(full) - roc(basic))} |`;
  });
  console.log([
    `Seeds ${seeds.join(", ")}; every figure but the per-seed column is a mean over them.`,
    "",
    "| dataset | lang | F1, basic | F1, full | F1 difference (points) | per seed | ROC AUC, basic | ROC AUC, full | ROC AUC difference (points) |",
    "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ...rows,
  ].join("\n"));
' "$tmp" "${seeds[@]}" > "$out"
