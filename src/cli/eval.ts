/**
 * `warden eval`: quality on test splits (the figures of docs/quality.md), loaded only for
 * this command (main.ts), so that the other commands do not pay for its imports.
 */
import { writeFileSync } from "node:fs";
import { CommanderError } from "commander";
import { loadConfig } from "../config.js";
import { resolveDatasets } from "../data/datasets.js";
import { Engine } from "../engine/engine.js";
import { deletionMarkdown, deletionTest } from "../eval/deletion.js";
import { cascadeMarkdown, evaluate, reportMarkdown } from "../eval/evaluate.js";
import type { Decisions } from "../eval/metrics.js";
import { baseRateMarkdown, baseRateTables, stagesAtBaseRateMarkdown } from "../eval/base-rate.js";
import { evaluateReference, referenceMarkdown } from "../eval/reference.js";
import { functionalMarkdown, runFunctional } from "../eval/functional.js";
import { evaluateRobustness, robustnessMarkdown } from "../eval/robustness.js";
import { loadWordListFilters } from "../eval/wordlists.js";
import { evaluateWordList, wordListMarkdown } from "../eval/wordlist-report.js";
import { withRegistry } from "./shared.js";

export interface EvalOptions {
  readonly data?: string[];
  readonly model?: string;
  readonly limit?: number;
  readonly attacks?: boolean;
  readonly deletion?: boolean;
  readonly stages?: boolean;
  readonly reference?: boolean;
  readonly baseRate?: number;
  readonly wordlists?: boolean;
  readonly functional?: boolean;
  readonly json?: boolean;
  readonly markdown?: string;
  readonly config?: string;
  readonly dataDir: string;
}

export async function runEval(opts: EvalOptions): Promise<void> {
  if (!opts.data && !opts.functional) throw new CommanderError(2, "warden.usage", "warden eval: --data is required (except with --functional).");
  if (opts.baseRate !== undefined && (opts.functional || opts.deletion || opts.attacks || opts.wordlists)) {
    throw new CommanderError(2, "warden.usage", "warden eval: --base-rate goes with the plain report, --reference or --stages, not with --functional, --deletion, --attacks or --wordlists.");
  }
  const config = loadConfig(opts.config);
  const loaded = await withRegistry(opts.dataDir, undefined, (registry) => registry.load(opts.model));
  const engine = new Engine(loaded, config.policy);
  const files = opts.data ? resolveDatasets(opts.data, "test") : [];
  const command = `warden eval ${process.argv.slice(3).join(" ")}`;
  let markdown: string;
  let report: object;
  if (opts.functional) {
    const functional = runFunctional(engine);
    markdown = functionalMarkdown(functional, command);
    report = functional;
  } else if (opts.deletion) {
    const rows = deletionTest(engine, files, opts.limit);
    markdown = deletionMarkdown(rows, command);
    report = rows;
  } else if (opts.attacks) {
    const { filters, missing } = await loadWordListFilters();
    if (missing.length > 0) process.stderr.write(`word-list filters not installed (devDependencies): ${missing.join(", ")}\n`);
    const robustness = evaluateRobustness(engine, files, { ...(opts.limit ? { limit: opts.limit } : {}), filters });
    markdown = robustnessMarkdown(robustness, command, Object.fromEntries(filters.map((f) => [f.name, f.version])));
    report = robustness;
  } else if (opts.wordlists) {
    const { filters, missing } = await loadWordListFilters();
    if (filters.length === 0) throw new CommanderError(2, "warden.usage", `warden eval --wordlists: no word-list filter is installed (they are devDependencies: ${missing.join(", ")}).`);
    if (missing.length > 0) process.stderr.write(`word-list filters not installed (devDependencies): ${missing.join(", ")}\n`);
    const model = evaluate(engine, files, opts.limit);
    const lists = filters.map((f) => evaluateWordList(f, files, opts.limit));
    markdown = wordListMarkdown(model, lists, command);
    report = { model, wordLists: lists };
  } else if (opts.stages) {
    if (!engine.cascades) throw new CommanderError(2, "warden.usage", `warden eval --stages: model ${engine.version} has no second stage (training.stage2).`);
    const runs = ["first", "second", "auto"] as const;
    const flags = runs.map(() => (opts.baseRate !== undefined ? new Map<string, Decisions>() : undefined));
    const [first, second, cascade] = runs.map((stages, i) => evaluate(engine, files, opts.limit, stages, flags[i]));
    markdown = [cascadeMarkdown(first!, second!, cascade!), ...[first!, second!, cascade!].map((r) => reportMarkdown(r, command))].join("\n");
    report = { first, second, cascade };
    if (opts.baseRate !== undefined) {
      const [a, b, c] = [first!, second!, cascade!].map((r, i) => baseRateTables(r.datasets, flags[i]!, opts.baseRate!));
      const baseRate = { first: a!, second: b!, cascade: c! };
      markdown += "\n" + stagesAtBaseRateMarkdown(baseRate, cascade!);
      report = { ...report, baseRate };
    }
  } else {
    // The reference's paired comparison and the base rate both read the row-by-row flags.
    const flags = opts.reference || opts.baseRate !== undefined ? new Map<string, Decisions>() : undefined;
    const quality = evaluate(engine, files, opts.limit, "auto", flags);
    markdown = reportMarkdown(quality, command);
    report = quality;
    if (opts.reference) {
      const decisions = { warden: flags!, reference: new Map<string, Decisions>() };
      const reference = evaluateReference(files, opts.limit, true, decisions.reference);
      markdown += "\n" + referenceMarkdown(quality.datasets, reference, decisions);
      report = { ...report, reference };
    }
    if (opts.baseRate !== undefined) {
      const baseRate = baseRateTables(quality.datasets, flags!, opts.baseRate);
      markdown += "\n" + baseRateMarkdown(baseRate, quality.model);
      report = { ...report, baseRate };
    }
  }
  if (opts.markdown) writeFileSync(opts.markdown, markdown);
  process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : markdown);
}
