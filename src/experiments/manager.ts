/**
 * The experiment a server runs, if any (one at a time), kept in step with the store so
 * that every replica, the CLI and a restarted server see the same experiment: starts,
 * stops and guardrail trips are written there, and `sync` (every second) picks up what
 * others wrote. Sticky assignment needs no shared state (assign.ts); the counts are this
 * replica's own.
 */
import { WardenError } from "../errors.js";
import type { Engine } from "../engine/engine.js";
import type { ExperimentRecord, Store } from "../store/types.js";
import { DEFAULT_GUARDRAILS, type Guardrails } from "./decision.js";
import { Experiment, type ExperimentSpec, type Mode } from "./experiment.js";
import { ShadowScorer, type ShadowArtifact } from "./shadow.js";
import type { PolicyConfig } from "../config.js";

export interface StartRequest {
  readonly name: string;
  readonly challenger: string;
  readonly mode: Mode;
  readonly traffic: number;
  /** Overrides of the server's guardrails for this experiment. */
  readonly guardrails?: Partial<Guardrails>;
}

export interface Running {
  readonly experiment: Experiment;
  /** In ab mode: the engine that answers the challenger's users (shadow mode needs none on this thread). */
  readonly challenger: Engine | null;
  /** In shadow mode: the challenger's copy in a child process, scoring off the serving thread. */
  readonly shadow: ShadowScorer | null;
}

export class ExperimentManager {
  private active: Running | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly champion: () => Engine,
    private readonly loadEngine: (version: string) => Promise<Engine>,
    /** Where a version's artifact is and the policy it serves under (for the shadow process), and who hears of disagreements. */
    private readonly shadowSetup: { artifact: (version: string) => Promise<ShadowArtifact>; policy: PolicyConfig; onDisagreement?: (id: string) => void },
    private readonly guardrails: Guardrails = DEFAULT_GUARDRAILS,
    syncEveryMs = 1000,
  ) {
    this.timer = setInterval(() => void this.sync().catch(() => {}), syncEveryMs);
    this.timer.unref();
  }

  get running(): Running | null {
    return this.active?.experiment.state === "running" ? this.active : null;
  }

  async start(req: StartRequest, now = Date.now()): Promise<Experiment> {
    const challenger = await this.challengerFor(req.mode, req.challenger);
    const spec = await recordStart(this.store, req, this.champion().version, this.guardrails, now);
    await this.adopt(spec, challenger);
    return this.active!.experiment;
  }

  async stop(name: string, reason: string | null = null): Promise<Record<string, unknown>> {
    const record = await this.store.getExperiment(name);
    if (!record) throw new WardenError("NOT_FOUND", `no experiment named "${name}".`);
    if (this.active?.experiment.spec.name === name) {
      this.active.experiment.stop(reason);
      await this.persist(this.active.experiment);
      return this.active.experiment.status();
    }
    if (record.state === "running") await this.store.putExperiment({ ...record, state: "stopped", stoppedBy: reason, updatedAt: Date.now() });
    return statusOf({ ...record, state: "stopped" });
  }

  /** Every experiment, newest first: live figures for the one this server runs. */
  async list(): Promise<Array<Record<string, unknown>>> {
    return Promise.all((await this.store.listExperiments()).map((r) => this.status(r.name)));
  }

  /** The live status when this server runs it, else what the store last recorded. */
  async status(name: string): Promise<Record<string, unknown>> {
    if (this.active?.experiment.spec.name === name) return this.active.experiment.status();
    const record = await this.store.getExperiment(name);
    if (!record) throw new WardenError("NOT_FOUND", `no experiment named "${name}".`);
    return statusOf(record);
  }

  /**
   * Adopt what the store says (an experiment started elsewhere, a stop made elsewhere),
   * persist a guardrail stop made here, and record the latest figures.
   */
  async sync(): Promise<void> {
    const local = this.active?.experiment;
    if (local) {
      const record = await this.store.getExperiment(local.spec.name);
      if (record?.state === "stopped" && local.state === "running") local.stop(record.stoppedBy);
      else if (local.state === "stopped" && record?.state === "running") await this.persist(local);
      await this.store.setExperimentResult(local.spec.name, local.status(), Date.now());
      if (local.state === "running") return;
    }
    const record = await runningRecord(this.store);
    if (!record || record.name === local?.spec.name) return;
    const spec = record.spec as unknown as ExperimentSpec;
    await this.adopt(spec, await this.challengerFor(spec.mode, spec.challenger));
  }

  /** Make `spec` the experiment this server runs (closing the previous one's shadow process). */
  /** A shadow challenger lives in its own process: loading it here too would cost the serving thread the time and the memory. */
  private challengerFor(mode: Mode, version: string): Promise<Engine | null> {
    return mode === "ab" ? this.loadEngine(version) : Promise.resolve(null);
  }

  private async adopt(spec: ExperimentSpec, challenger: Engine | null): Promise<void> {
    void this.active?.shadow?.close();
    const experiment = new Experiment(spec);
    const shadow = spec.mode === "shadow" ? new ShadowScorer(await this.shadowSetup.artifact(spec.challenger), spec.challenger, this.shadowSetup.policy, experiment, this.shadowSetup.onDisagreement) : null;
    this.active = { experiment, challenger, shadow };
  }

  close(): void {
    clearInterval(this.timer);
    void this.active?.shadow?.close();
  }

  private async persist(e: Experiment): Promise<void> {
    await this.store.putExperiment({ name: e.spec.name, spec: { ...e.spec }, state: e.state, stoppedBy: e.stoppedBy, result: e.status(), updatedAt: Date.now() });
  }
}

async function runningRecord(store: Store): Promise<ExperimentRecord | null> {
  return (await store.listExperiments()).find((e) => e.state === "running") ?? null;
}

/**
 * Write a new running experiment to the store (the server's admin API and the CLI both
 * start one this way; servers pick it up within a second): one at a time, names unique.
 */
export async function recordStart(store: Store, req: StartRequest, champion: string, guardrails: Guardrails, now = Date.now()): Promise<ExperimentSpec> {
  const current = await runningRecord(store);
  if (current) throw new WardenError("CONFLICT", `experiment "${current.name}" is running; stop it first.`);
  if (await store.getExperiment(req.name)) throw new WardenError("CONFLICT", `an experiment named "${req.name}" already exists; pick another name.`);
  if (req.challenger === champion) throw new WardenError("BAD_REQUEST", `the challenger ${req.challenger} is already the champion.`);
  const spec: ExperimentSpec = { ...req, champion, startedAt: now, guardrails: { ...guardrails, ...req.guardrails } };
  await store.putExperiment({ name: spec.name, spec: { ...spec }, state: "running", stoppedBy: null, result: null, updatedAt: now });
  return spec;
}

/** An experiment this server does not run: its definition, state and last recorded figures. */
export function statusOf(record: ExperimentRecord): Record<string, unknown> {
  const spec = record.spec as unknown as ExperimentSpec;
  if (record.result) return { ...record.result, state: record.state };
  return { name: record.name, mode: spec.mode, state: record.state, arms: [], srm_p: null, decision: record.stoppedBy ? `stopped: ${record.stoppedBy}` : "continue", summary: "No figures recorded yet: this server does not run the experiment." };
}
