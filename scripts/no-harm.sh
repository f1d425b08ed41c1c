#!/usr/bin/env bash
# "No harm": clean F1 on the non-Latin datasets with the full normalizer against the
# basic one (NFKC, case folding, invisible characters only), same data and config.
# One pair of models per training seed (default 1 2 3; NO_HARM_SEEDS="1 2 3 4" for more):
# a single pair mixes the normalizer's effect with the seed's, which moves a small
# dataset's F1 by several points on its own, so the tables give the mean over the seeds
# of each seed's paired difference. Two tables: pairs of models trained on all the data
# (what ships; a dataset's figures there also move with every other dataset's texts), and
# pairs trained on each dataset alone (only that dataset's own texts differ between the two).
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
# train CONFIG DATA... : the version of the model trained on DATA with CONFIG
train() {
  local config="$1"
  shift
  node bin/warden.js train --data "$@" --config "$config" --data-dir "$tmp/wd" 2>/dev/null | tail -n 1 | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).version))'
}
for seed in "${seeds[@]}"; do
  for level in full basic; do
    # every one of these datasets teaches the abusive head, which is all a model of one of them needs
    node -e 'const c = require(process.argv[1]); c.training.normalization = process.argv[2]; c.training.seed = Number(process.argv[3]); console.log(JSON.stringify(c)); c.training.heads = ["abusive"]; require("fs").writeFileSync(process.argv[4], JSON.stringify(c));' "$PWD/models/default.config.json" "$level" "$seed" "$tmp/$level-$seed.alone.config.json" > "$tmp/$level-$seed.config.json"
    version=$(train "$tmp/$level-$seed.config.json" "$data")
    node bin/warden.js eval --data "${paths[@]}" --model "$version" --data-dir "$tmp/wd" --json > "$tmp/all-$level-$seed.json"
    for s in "${sets[@]}"; do
      version=$(train "$tmp/$level-$seed.alone.config.json" "$data/$s")
      node bin/warden.js eval --data "$data/$s" --model "$version" --data-dir "$tmp/wd" --json > "$tmp/alone-$s-$level-$seed.json"
    done
    node -e 'const [dir, level, seed, ...sets] = process.argv.slice(1); console.log(JSON.stringify({ datasets: sets.map((s) => require(`${dir}/alone-${s}-${level}-${seed}.json`).datasets[0]) }));' "$tmp" "$level" "$seed" "${sets[@]}" > "$tmp/alone-$level-$seed.json"
  done
done
# How many of each dataset's messages the full normalizer changes at all (with the shipped model's lexicon)
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { loadDefaultModel } from "./dist/src/registry/registry.js";
  import { normalizeText } from "./dist/src/text/normalize.js";
  const [data, out, ...sets] = process.argv.slice(1);
  const lexicon = loadDefaultModel().model.lexicon;
  const changed = (file) => {
    const texts = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).text);
    return [texts.filter((t) => normalizeText(t, lexicon, "full").text !== normalizeText(t, lexicon, "basic").text).length, texts.length];
  };
  writeFileSync(out, JSON.stringify(Object.fromEntries(sets.map((s) => [s, { train: changed(`${data}/${s}/train.jsonl`), test: changed(`${data}/${s}/test.jsonl`) }]))));
' "$data" "$tmp/changed.json" "${sets[@]}"
node -e '
  const [dir, ...seeds] = process.argv.slice(1);
  const changed = require(`${dir}/changed.json`);
  const share = ([n, of]) => `${(100 * n / of).toFixed(2)}%`;
  const table = (kind) => {
    const load = (level, seed) => require(`${dir}/${kind}-${level}-${seed}.json`).datasets;
    const full = seeds.map((s) => load("full", s)), basic = seeds.map((s) => load("basic", s));
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const pts = (x) => (x >= 0 ? "+" : "−") + Math.abs(x * 100).toFixed(1);
    const rows = full[0].map((d, i) => {
      const f1 = (runs) => mean(runs.map((r) => r[i].f1)), roc = (runs) => mean(runs.map((r) => r[i].rocAuc));
      const diffs = seeds.map((_, k) => pts(full[k][i].f1 - basic[k][i].f1)).join(", ");
      const c = changed[d.name];
      return `| ${d.name} | ${d.lang} | ${share(c.train)} / ${share(c.test)} | ${f1(basic).toFixed(3)} | ${f1(full).toFixed(3)} | **${pts(f1(full) - f1(basic))}** | ${diffs} | ${roc(basic).toFixed(3)} | ${roc(full).toFixed(3)} | ${pts(roc(full) - roc(basic))} |`;
    });
    return [
      "| dataset | lang | messages the full normalizer changes (train / test) | F1, basic | F1, full | F1 difference (points) | per seed | ROC AUC, basic | ROC AUC, full | ROC AUC difference (points) |",
      "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
      ...rows,
    ];
  };
  console.log([
    `Seeds ${seeds.join(", ")}; every figure but the per-seed column is a mean over them.`,
    "",
    "Models trained on all the shared data, as the shipped one is:",
    "",
    ...table("all"),
    "",
    "Models trained on each dataset alone, so that the two of a pair differ only in how that dataset\u2019s own texts were normalized:",
    "",
    ...table("alone"),
  ].join("\n"));
' "$tmp" "${seeds[@]}" > "$out"
