/**
 * The `warden` command. Exit 0 on success, 1 on failure, 2 on a usage error, with the
 * reason on stderr (the contract). Each subcommand wires parts together and holds no
 * logic of its own.
 */
import cluster from "node:cluster";
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { loadConfig } from "../config.js";
import { WardenError } from "../errors.js";
import { PACKAGE_VERSION } from "../version.js";
import { classifyBatch, classifyStream, openInput, openOutput, type BatchClassifier, type ClassifyStreamResult } from "./classify.js";
import { ClassifyPool } from "./classify-pool.js";
import type { EvalOptions } from "./eval.js";
import { registerExperimentCommands } from "./experiment.js";
import { progressReporter } from "./progress.js";
import type { ReportOptions } from "./report.js";
import { codeVersion, dataDirOption, parsePositiveInt, parseShare, storeOption, withRegistry } from "./shared.js";
import { registerLoopCommands } from "./loop.js";
import { registerWorkerCommand } from "./worker.js";

function buildProgram(): Command {
  const program = new Command("warden")
    .description("Warden: multilingual trust-and-safety text classification")
    .version(PACKAGE_VERSION)
    .exitOverride()
    .showHelpAfterError();

  program
    .command("classify")
    .description("classify JSONL (one {\"text\": ...} per line), streaming, order kept")
    .option("--in <file>", "input JSONL file, - for stdin", "-")
    .option("--out <file>", "output JSONL file, - for stdout", "-")
    .option("--model <version>", "registered model version (default: champion, else the shipped model)")
    .option("--config <file>", "config file (JSON)")
    .option("--strict", "exit 1 when any line was bad")
    .option("--threads <n>", "worker threads classifying at once (default: one per core; 1 classifies on the main thread)", (v) => parsePositiveInt(v, "--threads"), availableParallelism())
    .addOption(dataDirOption())
    .action(async (opts: { in: string; out: string; model?: string; config?: string; strict?: boolean; threads: number; dataDir: string }) => {
      const config = loadConfig(opts.config);
      // Worker threads load the model themselves, from bytes this thread reads once for all.
      const pool = opts.threads > 1 ? new ClassifyPool(config.policy, opts.threads) : null;
      try {
        let classify: BatchClassifier;
        if (pool) {
          pool.load(await withRegistry(opts.dataDir, undefined, (r) => r.locate(opts.model)));
          classify = pool.classify;
        } else {
          const { Engine } = await import("../engine/engine.js");
          const engine = new Engine(await withRegistry(opts.dataDir, undefined, (r) => r.load(opts.model)), config.policy);
          classify = (lines, first) => classifyBatch(engine, lines, first);
        }
        const output = openOutput(opts.out);
        let result: ClassifyStreamResult;
        try {
          result = await classifyStream(classify, openInput(opts.in), output, pool?.batchesInFlight ?? 1);
        } finally {
          // Also when a batch failed: the answers written before it are flushed and the file closed.
          if (output !== process.stdout) await new Promise<void>((r) => output.end(r));
        }
        const { lines, errors } = result;
        if (errors > 0) process.stderr.write(`warden classify: ${errors} of ${lines} lines were bad (see their "error" lines)\n`);
        if (errors > 0 && opts.strict) process.exitCode = 1;
      } finally {
        await pool?.close();
      }
    });

  program
    .command("train")
    .description("train on JSONL files or folders (each folder's train.jsonl): data contract, cached steps (under the data dir), gate, register")
    .requiredOption("--data <paths...>", "JSONL files, dataset folders, or a folder of dataset folders")
    .option("--config <file>", "config file (JSON); see docs/configuration.md")
    .option("--promote", "make the result the champion if it passes the gate")
    .option("--export <file>", "also write the artifact to this path")
    .addOption(storeOption())
    .addOption(dataDirOption())
    .action(async (opts: { data: string[]; config?: string; promote?: boolean; export?: string; store?: string; dataDir: string }) => {
      const config = loadConfig(opts.config);
      const { runTraining } = await import("../pipeline/run.js");
      const result = await withRegistry(opts.dataDir, opts.store, (registry) =>
        runTraining({
          data: opts.data,
          config,
          registry,
          dataDir: resolve(opts.dataDir),
          promote: opts.promote ?? false,
          ...(opts.export ? { exportPath: resolve(opts.export) } : {}),
          progress: progressReporter(process.stderr),
          log: (line) => process.stderr.write(`${line}\n`),
          code: codeVersion(),
        }),
      );
      process.stderr.write(`gate ${result.gate}:\n${result.verdict.reasons.map((r) => `  - ${r}\n`).join("")}`);
      if (opts.promote) process.stderr.write(result.promoted ? `champion: ${result.version}\n` : `not promoted: the gate failed\n`);
      const { version, artifact, sha256, gate, cached_steps } = result;
      process.stdout.write(JSON.stringify({ version, artifact, sha256, gate, cached_steps }) + "\n");
    });

  program
    .command("eval")
    .description("precision, recall, F1, ROC AUC, PR AUC per dataset and per language on test splits")
    .option("--data <paths...>", "JSONL files, dataset folders (test.jsonl), or a folder of them (required except with --functional)")
    .option("--model <version>", "registered model version (default: champion, else the shipped model)")
    .option("--limit <n>", "use only the first N rows of each test split", (v) => parsePositiveInt(v, "--limit"))
    .option("--attacks", "F1 under each attack family beside clean F1, word-list filters, language id accuracy")
    .option("--deletion", "the deletion test of the explanations on flagged messages (first --limit rows, default 1000)")
    .option("--stages", "the cascade's stages side by side: stage 1 alone, stage 2 alone, the cascade, and the share it sends to stage 2")
    .option("--reference", "also train the reference TF-IDF logistic regression on each dataset's train split and compare (slow: minutes)")
    .option("--base-rate <share>", "also the flags' precision, F1 and share of traffic flagged on a platform where this share of messages is positive (0.05: 5%)", (v) => parseShare(v, "--base-rate"))
    .option("--wordlists", "the npm word-list filters beside the model: F1, ROC AUC, PR AUC and ECE per dataset and per language (one filter takes about a millisecond a message)")
    .option("--functional", "the functional tests instead (negation, counter-speech, identity mentions, profanity, threats, disguised spellings, everyday chat; six languages; no data needed)")
    .option("--json", "print JSON instead of Markdown")
    .option("--markdown <file>", "also write the Markdown report to this file")
    .option("--config <file>", "config file (JSON)")
    .addOption(dataDirOption())
    .action(async (opts: EvalOptions) => (await import("./eval.js")).runEval(opts));

  program
    .command("serve")
    .description("serve the API and dashboard (what npm start runs)")
    .addOption(new Option("--port <n>", "port").env("PORT").default(8080).argParser((v) => parsePort(v)))
    .option("--host <host>", "address to bind", "127.0.0.1")
    .addOption(storeOption())
    .option("--config <file>", "config file (JSON)")
    .option("--workers <n>", "server processes sharing the port (one per core is the usual choice)", (v) => parsePositiveInt(v, "--workers"), 1)
    .addOption(dataDirOption())
    .action(async (opts: { port: number; host: string; store?: string; config?: string; workers: number; dataDir: string }) => {
      const dataDir = resolve(opts.dataDir);
      mkdirSync(dataDir, { recursive: true });
      // The server's modules (Fastify and the rest) load only for this command, as every heavy
      // command's modules load only for it: warden classify's start-up was half imports.
      if (opts.workers > 1 && cluster.isPrimary) {
        loadConfig(opts.config); // a bad config fails here, once, not in every worker
        const { runPrimary } = await import("../server/cluster.js");
        runPrimary(opts.workers, (line) => process.stderr.write(`${line}\n`));
        return;
      }
      const { startServer } = await import("../server/start.js");
      await startServer({
        dataDir,
        ...(opts.store ? { storeUrl: opts.store } : {}),
        port: opts.port,
        host: opts.host,
        config: loadConfig(opts.config),
      });
    });

  program
    .command("report")
    .description("write the model card (HTML or Markdown by the file's ending), with test figures when --data is given")
    .option("--model <version>", "registered model version (default: champion, else the shipped model)")
    .option("--out <files...>", "where to write it: FILE.html and/or FILE.md (default: Markdown on stdout); it is also kept in the registry")
    .option("--data <paths...>", "test splits to report on (folders' test.jsonl)")
    .option("--limit <n>", "use only the first N rows of each test split", (v) => parsePositiveInt(v, "--limit"))
    .option("--attacks", "with --data: also measure robustness per attack family (slower)")
    .option("--base-rate <share>", "with --data: the share of positive messages on the platform the card speaks to, to say what the test precision becomes there", (v) => parseShare(v, "--base-rate"), 0.05)
    .option("--config <file>", "config file (JSON)")
    .addOption(dataDirOption())
    .action(async (opts: ReportOptions) => (await import("./report.js")).runReport(opts));

  const models = program.command("models").description("the model registry");
  models
    .command("list")
    .description("list registered models; * marks the champion")
    .addOption(dataDirOption())
    .action(async (opts: { dataDir: string }) => {
      const list = await withRegistry(opts.dataDir, undefined, (r) => r.list());
      if (list.length === 0) process.stdout.write("no registered models: the shipped default model serves\n");
      for (const m of list) {
        const gateVerdict = (m.meta.lineage as { gate?: { passed: boolean } } | undefined)?.gate;
        process.stdout.write(`${m.champion ? "*" : " "} ${m.version}  ${new Date(m.createdAt).toISOString()}  gate ${gateVerdict?.passed === false ? "failed" : "passed"}  ${m.path}\n`);
      }
    });
  models
    .command("promote <version>")
    .description("make VERSION the champion (a model its gate failed only with --force)")
    .option("--force", "promote even though the model failed its gate")
    .addOption(dataDirOption())
    .action(async (version: string, opts: { dataDir: string; force?: boolean }) => {
      await withRegistry(opts.dataDir, undefined, (r) => r.promote(version, opts.force ? "promoted by warden models promote --force" : "promoted by warden models promote", opts.force === true));
      process.stdout.write(`champion: ${version}\n`);
    });
  models
    .command("rollback")
    .description("make the previous champion the champion again")
    .addOption(dataDirOption())
    .action(async (opts: { dataDir: string }) => {
      const version = await withRegistry(opts.dataDir, undefined, (r) => r.rollback());
      process.stdout.write(`champion: ${version}\n`);
    });
  registerExperimentCommands(program);
  registerLoopCommands(program);
  registerWorkerCommand(program);
  return program;
}


function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CommanderError(2, "warden.usage", `--port must be an integer in 0..65535. Got ${value}.`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        process.exitCode = 0;
        return;
      }
      if (err.code === "warden.usage") process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof WardenError) {
      process.stderr.write(`warden: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`warden: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
