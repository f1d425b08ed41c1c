/**
 * The step runner: each step declares its inputs (content hashes of what it reads),
 * its parameters and its code; its output is cached under
 *
 *   key = sha256(name, version, code fingerprint, params, input hashes)
 *
 * so a rerun with nothing changed reuses every step, and a changed parameter reruns its
 * step and then only those downstream whose inputs really changed (keys are made of
 * output *contents*, so a recomputed step that gives the same bytes stops the ripple).
 * A step killed mid-run left nothing under its key, so the next run resumes there.
 *
 *   const runner = new StepRunner({ cacheDir: "warden-data/cache" });
 *   const a = await runner.run({ name: "a", version: 1, code: CODE, params: { n: 3 }, inputs: {}, run: () => Buffer.from("…") });
 *   // where the module says: const CODE = codeFingerprint(import.meta.url);
 *   runner.cachedSteps; // ["a"] on the second run
 */
import { createHash } from "node:crypto";
import { StepCache } from "./cache.js";
import { retryTransient, type RetryOptions } from "./retry.js";
import type { Progress } from "./train.js";

export interface Step {
  readonly name: string;
  /** Bump when the output's meaning changes without a change in this repository's code (say, a dependency's). */
  readonly version: number;
  /**
   * The step's code version: `codeFingerprint(import.meta.url)` of the defining module,
   * taken when that module loads, so that it describes the code that runs (a rebuild
   * during a long run must neither break the run nor label old code's output as new).
   */
  readonly code: string;
  /** JSON-serializable settings that change the output. */
  readonly params: unknown;
  /** Content hashes (sha256 hex) of everything the step reads, by name: upstream outputs and files. */
  readonly inputs: Readonly<Record<string, string>>;
  run(progress: Progress): Buffer | Promise<Buffer>;
  /** For an output that stands for an effect elsewhere (a registry record): is the effect still there? */
  isStillValid?(payload: Buffer): Promise<boolean>;
}

export interface StepOutput {
  readonly name: string;
  readonly key: string;
  /** sha256 of the payload: what a downstream step lists among its inputs. */
  readonly sha256: string;
  readonly cached: boolean;
  readonly payload: Buffer;
  readonly seconds: number;
}

export interface RunnerOptions {
  readonly cacheDir: string;
  /** One line per step event (cached, running, done, retrying). */
  readonly log?: (line: string) => void;
  /** Progress inside long steps. */
  readonly progress?: Progress;
  readonly retry?: RetryOptions;
}

/** JSON with object keys sorted, so that equal params give equal keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function stepKey(step: Pick<Step, "name" | "version" | "code" | "params" | "inputs">): string {
  const material = canonicalJson([step.name, step.version, step.code, step.params ?? null, step.inputs]);
  return createHash("sha256").update(material).digest("hex");
}

export class StepRunner {
  readonly cache: StepCache;
  /** What ran and what was reused, in order (without payloads, which their users hold). */
  readonly history: Array<Omit<StepOutput, "payload">> = [];
  private readonly log: (line: string) => void;
  private readonly progress: Progress;
  private readonly retry: RetryOptions;

  constructor(options: RunnerOptions) {
    this.log = options.log ?? (() => {});
    this.progress = options.progress ?? (() => {});
    this.retry = {
      ...options.retry,
      onRetry: (err, attempt, delayMs) => this.log(`retrying in ${delayMs} ms after a transient error (attempt ${attempt}): ${(err as Error).message}`),
    };
    this.cache = new StepCache(options.cacheDir, this.retry);
    this.cache.removeAbandonedTemps();
  }

  /** Names of the steps whose outputs were reused, in run order. */
  get cachedSteps(): string[] {
    return this.history.filter((o) => o.cached).map((o) => o.name);
  }

  async run(step: Step): Promise<StepOutput> {
    const key = stepKey(step);
    const started = performance.now();
    const found = await this.cache.get(key);
    if (typeof found !== "string" && (!step.isStillValid || (await step.isStillValid(found.payload)))) {
      this.log(`step ${step.name}: cached (${key.slice(0, 12)})`);
      return this.record({ name: step.name, key, sha256: found.sha256, cached: true, payload: found.payload, seconds: (performance.now() - started) / 1000 });
    }
    const why = found === "corrupt" ? " (its cached output failed the checksum)" : typeof found !== "string" ? " (its effect is gone)" : "";
    this.log(`step ${step.name}: running${why}`);
    const payload = await retryTransient(() => step.run(this.progress), this.retry);
    const seconds = (performance.now() - started) / 1000;
    const sha256 = await this.cache.put(key, payload, { step: step.name, version: step.version, params: step.params, inputs: step.inputs, seconds });
    this.log(`step ${step.name}: done in ${seconds.toFixed(1)} s`);
    return this.record({ name: step.name, key, sha256, cached: false, payload, seconds });
  }

  private record(output: StepOutput): StepOutput {
    const { payload: _, ...summary } = output;
    this.history.push(summary);
    return output;
  }
}
