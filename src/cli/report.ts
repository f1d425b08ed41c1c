/** `warden report`: the model card, loaded only for this command (main.ts). */
import { writeFileSync } from "node:fs";
import { loadConfig } from "../config.js";
import { resolveDatasets } from "../data/datasets.js";
import { Engine } from "../engine/engine.js";
import { evaluate } from "../eval/evaluate.js";
import { runFunctional } from "../eval/functional.js";
import { robustnessSummary } from "../eval/robustness.js";
import { modelCard } from "../report/card.js";
import { cardFacts } from "../report/facts.js";
import { withRegistry } from "./shared.js";

export interface ReportOptions {
  readonly model?: string;
  readonly out?: string[];
  readonly data?: string[];
  readonly limit?: number;
  readonly attacks?: boolean;
  readonly baseRate: number;
  readonly config?: string;
  readonly dataDir: string;
}

export async function runReport(opts: ReportOptions): Promise<void> {
  const config = loadConfig(opts.config);
  const loaded = await withRegistry(opts.dataDir, undefined, (registry) => registry.load(opts.model));
  const engine = new Engine(loaded, config.policy);
  const command = `warden report ${process.argv.slice(3).join(" ")}`;
  const files = opts.data ? resolveDatasets(opts.data, "test") : undefined;
  const card = modelCard({
    version: loaded.version,
    sha256: loaded.sha256,
    meta: loaded.meta,
    heads: loaded.model.classifier.heads,
    identifiable: loaded.model.language.labels,
    ...(files ? { evaluation: { report: evaluate(engine, files, opts.limit), facts: cardFacts(engine, files, opts.limit, opts.baseRate), command, baseRate: opts.baseRate } } : {}),
    ...(files && opts.attacks ? { robustness: robustnessSummary(engine, files, opts.limit, command) } : {}),
    functional: runFunctional(engine),
  });
  for (const out of opts.out ?? []) writeFileSync(out, out.toLowerCase().endsWith(".html") ? card.html : card.markdown);
  if (!opts.out) process.stdout.write(card.markdown);
  await withRegistry(opts.dataDir, undefined, async (registry) => {
    registry.storeCard(loaded.version, "html", card.html);
    registry.storeCard(loaded.version, "md", card.markdown);
  });
}
