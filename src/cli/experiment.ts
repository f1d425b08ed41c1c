/**
 * `warden experiment start | status | stop | simulate`: experiments through the store that
 * servers share. Their modules load only when one of them runs (main.ts).
 */
import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { WardenError } from "../errors.js";
import { dataDirOption, storeOption, withRegistry } from "./shared.js";

export function registerExperimentCommands(program: Command): void {
  const experiment = program.command("experiment").description("A/B tests and shadow deployments of a challenger against the champion");
  experiment
    .command("start")
    .description("start an experiment; running servers sharing the store pick it up within a second")
    .requiredOption("--name <name>", "a new, unique name")
    .requiredOption("--challenger <version>", "a registered model version")
    .addOption(new Option("--mode <mode>", "ab: the challenger answers its share of users; shadow: it scores a copy and never answers").choices(["ab", "shadow"]).default("ab"))
    .option("--traffic <share>", "the challenger's share (of users in ab, of requests in shadow), in (0, 1]")
    .addOption(storeOption())
    .addOption(dataDirOption())
    .action(async (opts: { name: string; challenger: string; mode: string; traffic?: string; store?: string; dataDir: string }) => {
      const [{ parseExperimentStart }, { recordStart }, { DEFAULT_GUARDRAILS }] = await Promise.all([import("../server/validate.js"), import("../experiments/manager.js"), import("../experiments/decision.js")]);
      const req = parseExperimentStart({ name: opts.name, challenger: opts.challenger, mode: opts.mode, ...(opts.traffic !== undefined ? { traffic: Number(opts.traffic) } : {}) });
      const spec = await withRegistry(opts.dataDir, opts.store, async (registry, store) => {
        if (!(await registry.record(req.challenger))) throw new WardenError("MODEL_NOT_FOUND", `no registered model ${req.challenger}; see warden models list.`);
        return recordStart(store, req, (await registry.load()).version, DEFAULT_GUARDRAILS);
      });
      process.stdout.write(`started ${spec.name}: ${spec.challenger} against ${spec.champion}, ${spec.mode}, traffic ${spec.traffic}\n`);
    });
  experiment
    .command("status <name>")
    .description("the experiment's arms, statistics, decision and summary (as of the last second a server recorded)")
    .addOption(storeOption())
    .addOption(dataDirOption())
    .action(async (name: string, opts: { store?: string; dataDir: string }) => {
      const record = await withRegistry(opts.dataDir, opts.store, (_r, store) => store.getExperiment(name));
      if (!record) throw new WardenError("NOT_FOUND", `no experiment named "${name}".`);
      const { statusOf } = await import("../experiments/manager.js");
      process.stdout.write(`${JSON.stringify(statusOf(record), null, 2)}\n`);
    });
  experiment
    .command("stop <name>")
    .description("stop it: all traffic goes back to the champion within a second")
    .addOption(storeOption())
    .addOption(dataDirOption())
    .action(async (name: string, opts: { store?: string; dataDir: string }) => {
      await withRegistry(opts.dataDir, opts.store, async (_r, store) => {
        const record = await store.getExperiment(name);
        if (!record) throw new WardenError("NOT_FOUND", `no experiment named "${name}".`);
        if (record.state === "running") await store.putExperiment({ ...record, state: "stopped", stoppedBy: "stopped by hand", updatedAt: Date.now() });
      });
      process.stdout.write(`stopped ${name}\n`);
    });
  experiment
    .command("simulate")
    .description("simulated A/A and A/B experiments: how often the statistics are fooled, and how fast they find a real difference")
    .option("--markdown <file>", "also write the tables as Markdown")
    .action(async (opts: { markdown?: string }) => {
      const { simulationMarkdown } = await import("../experiments/report.js");
      const md = simulationMarkdown();
      if (opts.markdown) writeFileSync(opts.markdown, md);
      process.stdout.write(md);
    });
}
