/**
 * The `warden` command. Exit 0 on success, 1 on failure, 2 on a usage error, with the
 * reason on stderr (the contract). Each subcommand wires parts together and holds no
 * logic of its own.
 */
import cluster from "node:cluster";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { loadConfig } from "../config.js";
import { resolveDatasets } from "../data/datasets.js";
import { Engine } from "../engine/engine.js";
import { WardenError } from "../errors.js";
import { deletionMarkdown, deletionTest } from "../eval/deletion.js";
import { cascadeMarkdown, evaluate, reportMarkdown } from "../eval/evaluate.js";
import type { Decisions } from "../eval/metrics.js";
import { evaluateReference, referenceMarkdown } from "../eval/reference.js";
import { functionalMarkdown, runFunctional } from "../eval/functional.js";
import { evaluateRobustness, robustnessMarkdown, robustnessSummary } from "../eval/robustness.js";
import { loadWordListFilters } from "../eval/wordlists.js";
import { evaluateWordList, wordListMarkdown } from "../eval/wordlist-report.js";
import { runTraining } from "../pipeline/run.js";
import { modelCard } from "../report/card.js";
import { cardFacts } from "../report/facts.js";
import { PACKAGE_VERSION } from "../version.js";
import { classifyBatch, classifyStream, openInput, openOutput, type BatchClassifier } from "./classify.js";
import { ClassifyPool } from "./classify-pool.js";
import { registerExperimentCommands } from "./experiment.js";
import { progressReporter } from "./progress.js";
import { codeVersion, dataDirOption, parsePositiveInt, storeOption, withRegistry } from "./shared.js";
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
      // Worker threads load the model themselves: this thread only resolves which one.
      const pool = opts.threads > 1 ? new ClassifyPool({ ...(await withRegistry(opts.dataDir, undefined, (r) => r.locate(opts.model))), policy: config.policy }, opts.threads) : null;
      const engine = pool ? null : new Engine(await withRegistry(opts.dataDir, undefined, (r) => r.load(opts.model)), config.policy);
      const classify: BatchClassifier = pool ? pool.classify : (lines, first) => classifyBatch(engine!, lines, first);
      const output = openOutput(opts.out);
      const { lines, errors } = await classifyStream(classify, openInput(opts.in), output, pool ? 2 * pool.threads : 1).finally(() => pool?.close());
      if (output !== process.stdout) await new Promise<void>((r) => output.end(r));
      if (errors > 0) process.stderr.write(`warden classify: ${errors} of ${lines} lines were bad (see their "error" lines)\n`);
      if (errors > 0 && opts.strict) process.exitCode = 1;
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
    .option("--wordlists", "the npm word-list filters beside the model: F1, ROC AUC, PR AUC and ECE per dataset and per language (one filter takes about a millisecond a message)")
    .option("--functional", "the functional tests instead (negation, counter-speech, identity mentions, profanity, threats, disguised spellings; six languages; no data needed)")
    .option("--json", "print JSON instead of Markdown")
    .option("--markdown <file>", "also write the Markdown report to this file")
    .option("--config <file>", "config file (JSON)")
    .addOption(dataDirOption())
    .action(async (opts: { data?: string[]; model?: string; limit?: number; attacks?: boolean; deletion?: boolean; stages?: boolean; reference?: boolean; wordlists?: boolean; functional?: boolean; json?: boolean; markdown?: string; config?: string; dataDir: string }) => {
      if (!opts.data && !opts.functional) throw new CommanderError(2, "warden.usage", "warden eval: --data is required (except with --functional).");
      const config = loadConfig(opts.config);
      const loaded = await withRegistry(opts.dataDir, undefined, (registry) => registry.load(opts.model));
      const engine = new Engine(loaded, config.policy);
      const files = opts.data ? resolveDatasets(opts.data, "test") : [];
      const command = `warden eval ${process.argv.slice(3).join(" ")}`;
      let markdown: string;
      let report: unknown;
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
        const [first, second, cascade] = (["first", "second", "auto"] as const).map((stages) => evaluate(engine, files, opts.limit, stages));
        markdown = [cascadeMarkdown(first!, second!, cascade!), ...[first!, second!, cascade!].map((r) => reportMarkdown(r, command))].join("\n");
        report = { first, second, cascade };
      } else {
        // With the reference, both sides keep their row-by-row flags for the paired comparison.
        const decisions = opts.reference ? { warden: new Map<string, Decisions>(), reference: new Map<string, Decisions>() } : null;
        const quality = evaluate(engine, files, opts.limit, "auto", decisions?.warden);
        markdown = reportMarkdown(quality, command);
        report = quality;
        if (decisions) {
          const reference = evaluateReference(files, opts.limit, true, decisions.reference);
          markdown += "\n" + referenceMarkdown(quality.datasets, reference, decisions);
          report = { ...quality, reference };
        }
      }
      if (opts.markdown) writeFileSync(opts.markdown, markdown);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : markdown);
    });

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
      // The server's modules (Fastify and the rest) load only for this command: the other
      // commands start faster without them (warden classify's start-up was half imports).
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
    .option("--config <file>", "config file (JSON)")
    .addOption(dataDirOption())
    .action(async (opts: { model?: string; out?: string[]; data?: string[]; limit?: number; attacks?: boolean; config?: string; dataDir: string }) => {
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
        ...(files ? { evaluation: { report: evaluate(engine, files, opts.limit), facts: cardFacts(engine, files, opts.limit), command } } : {}),
        ...(files && opts.attacks ? { robustness: robustnessSummary(engine, files, opts.limit, command) } : {}),
        functional: runFunctional(engine),
      });
      for (const out of opts.out ?? []) writeFileSync(out, out.toLowerCase().endsWith(".html") ? card.html : card.markdown);
      if (!opts.out) process.stdout.write(card.markdown);
      await withRegistry(opts.dataDir, undefined, async (registry) => {
        registry.storeCard(loaded.version, "html", card.html);
        registry.storeCard(loaded.version, "md", card.markdown);
      });
    });

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
