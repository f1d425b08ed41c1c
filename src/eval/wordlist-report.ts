/**
 * The npm word-list filters (wordlists.ts) judged like the model: on the same test rows,
 * each example on its own dataset's category, per dataset and per language. A filter
 * only says yes or no, so its "score" is its flag (1 or 0) and it flags at 0.5: ROC AUC
 * is then (true-positive rate + true-negative rate) / 2, PR AUC the precision of its
 * flags weighed by their recall, and ECE how far a hard yes/no is from the share of
 * positives behind it.
 */
import type { DatasetFile } from "../data/datasets.js";
import { evaluateScored, scoredAt, table, type EvalReport, type EvalTables } from "./evaluate.js";
import type { WordListFilter } from "./wordlists.js";

export interface WordListReport extends EvalTables {
  /** The package and its version. */
  readonly filter: string;
}

export function evaluateWordList(filter: WordListFilter, files: readonly DatasetFile[], limit?: number): WordListReport {
  const tables = evaluateScored(files, (examples) => scoredAt(examples.map((e) => (filter.flag(e.text) ? 1 : 0)), 0.5), limit);
  return { filter: `${filter.name} ${filter.version}`, ...tables };
}

const fmt3 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(3));

/** F1 side by side (the model and each filter) per dataset and per language, then each filter's whole tables. */
export function wordListMarkdown(model: EvalReport, lists: readonly WordListReport[], command: string): string {
  const side = (pick: (r: EvalTables) => readonly { name: string; f1: number }[], first: string): string[] => {
    const byFilter = lists.map((l) => new Map(pick(l).map((r) => [r.name, r.f1])));
    return [
      `| ${first} | Warden | ${lists.map((l) => l.filter).join(" | ")} |`,
      `|---|---:|${lists.map(() => "---:|").join("")}`,
      ...pick(model).map((r) => `| ${r.name} | ${fmt3(r.f1)} | ${byFilter.map((m) => fmt3(m.get(r.name))).join(" | ")} |`),
    ];
  };
  return [
    `F1 on the ${model.limit ? `first ${model.limit} rows of each test split` : "full test splits"}, each example judged on its dataset's own category: Warden (model \`${model.model}\`, as served) beside each word-list filter with every language list it ships.`,
    "",
    `Produced by: \`${command}\``,
    "",
    "### F1 per dataset",
    "",
    ...side((r) => r.datasets, "dataset"),
    `| **mean** | **${fmt3(model.meanF1)}** | ${lists.map((l) => `**${fmt3(l.meanF1)}**`).join(" | ")} |`,
    "",
    "### F1 per language",
    "",
    ...side((r) => r.languages, "language"),
    "",
    ...lists.flatMap((l) => [
      `### ${l.filter}`,
      "",
      table(l.datasets, "dataset", true, false),
      "",
      `Mean F1 over ${l.datasets.length} datasets: **${fmt3(l.meanF1)}**. ECE of its yes/no flags, all examples pooled: **${fmt3(l.pooledEce)}**.`,
      "",
      table(l.languages, "language", false, false),
      "",
    ]),
  ].join("\n");
}
