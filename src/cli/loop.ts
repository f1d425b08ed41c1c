/**
 * `warden retrain` and `warden data export-feedback`: the feedback loop from the command
 * line (docs/loop.md). Their modules load only when one of them runs, like every heavy
 * command's (main.ts).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../config.js";
import { WardenError } from "../errors.js";
import { codeVersion, dataDirOption, parseInteger, storeOption, withRegistry } from "./shared.js";

export function registerLoopCommands(program: Command): void {
  program
    .command("retrain")
    .description("retrain on the base data (loop.baseData or --data) plus reviewers' labels, through the gate; a passing candidate starts as a shadow experiment. One at a time; the champion keeps serving")
    .option("--data <paths...>", "base training data (default: the config's loop.baseData)")
    .option("--config <file>", "config file (JSON); see docs/configuration.md")
    .option("--trigger <name>", "what started it, as recorded", "manual")
    .option("--run <id>", "run a retrain a server already claimed (how `warden serve` starts one)", (v) => parseInteger(v, "--run", 1))
    .addOption(storeOption())
    .addOption(dataDirOption())
    .action(async (opts: { data?: string[]; config?: string; trigger: string; run?: number; store?: string; dataDir: string }) => {
      const loaded = loadConfig(opts.config);
      const config = opts.data ? { ...loaded, loop: { ...loaded.loop, baseData: opts.data } } : loaded;
      const { retrain } = await import("../loop/retrain.js");
      const record = await withRegistry(opts.dataDir, opts.store, async (registry, store) => {
        const claimed = opts.run === undefined ? null : await store.getRetrain(opts.run);
        if (opts.run !== undefined && claimed?.state !== "running") throw new WardenError("NOT_FOUND", `no running retrain ${opts.run} to run.`);
        return retrain({ store, registry, config, dataDir: resolve(opts.dataDir), trigger: opts.trigger, ...(claimed ? { claimed } : {}), code: codeVersion(), log: (line) => process.stderr.write(`${line}\n`) });
      });
      process.stdout.write(JSON.stringify(record) + "\n");
      if (record.state === "failed") process.exitCode = 1;
    });

  program
    .command("data")
    .description("data that Warden makes")
    .command("export-feedback")
    .description("reviewers' labels joined to their predictions as a versioned dataset (<out>/<version>/), deduplicated against the training data and checked by the data contract")
    .requiredOption("--out <dir>", "where the versioned dataset folder goes")
    .option("--against <paths...>", "training data whose texts are not exported again (default: the config's loop.baseData)")
    .option("--max-rows <n>", "at most this many labels, newest first (default: loop.maxFeedbackRows)", (v) => parseInteger(v, "--max-rows", 1))
    .option("--config <file>", "config file (JSON)")
    .addOption(storeOption())
    .addOption(dataDirOption())
    .action(async (opts: { out: string; against?: string[]; maxRows?: number; config?: string; store?: string; dataDir: string }) => {
      const config = loadConfig(opts.config);
      const against = opts.against ?? config.loop.baseData;
      const [{ exportFeedback }, { resolveDatasets }] = await Promise.all([import("../loop/export.js"), import("../data/datasets.js")]);
      const result = await withRegistry(opts.dataDir, opts.store, (_registry, store) =>
        exportFeedback(store, {
          out: resolve(opts.out),
          against: against.length > 0 ? resolveDatasets(against, "train") : [],
          maxRows: opts.maxRows ?? config.loop.maxFeedbackRows,
          contract: { ...config.contract, maxTextLength: config.limits.maxTextLength },
          heads: config.training.heads,
        }),
      );
      for (const f of result.report.findings) process.stderr.write(`${f.severity}: ${f.message}\n`);
      const { version, dir, rows, byTask, byLang, leftOut, duplicates } = result;
      process.stdout.write(JSON.stringify({ version, dir, rows, by_task: byTask, by_lang: byLang, left_out: leftOut, duplicates, contract: result.report.passed ? "passed" : "failed" }) + "\n");
      if (!result.report.passed) process.exitCode = 1;
    });
}
