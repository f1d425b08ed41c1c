/**
 * Simulated experiments for the sequential test's guarantees: A/A experiments (both
 * arms the same) whose false-positive rate must stay at or below α although someone
 * looks after every `peekEvery` samples, and A/B experiments with a real difference,
 * where what matters is how often and how soon it is found.
 */
import { mulberry32 } from "../model/shuffle.js";
import { compareRates, DEFAULT_SEQUENTIAL, rate, type ArmCounts, type SequentialOptions } from "./sequential.js";

export interface SimulationSpec {
  readonly experiments: number;
  /** The champion's true rate (e.g. feedback precision). */
  readonly baseRate: number;
  /** The challenger's true rate minus the champion's (0 for A/A). */
  readonly lift: number;
  /** Samples per arm at which an experiment stops without a verdict. */
  readonly maxPerArm: number;
  readonly peekEvery: number;
  readonly seed: number;
  readonly test?: SequentialOptions;
  /**
   * "naive-z" looks with a fixed-sample 95% two-proportion z-test at every peek, the common
   * mistake the sequential test exists to avoid; it is here to show what it costs.
   */
  readonly method?: "msprt" | "naive-z";
}

export interface SimulationResult {
  readonly spec: SimulationSpec;
  /** Share of experiments declared significant at some look. */
  readonly rejectRate: number;
  /** Samples per arm at the first significant look, for those that were. */
  readonly samplesToDecision: { median: number | null; p90: number | null };
  /** Of the rejections, the share that pointed the wrong way (challenger worse when it is better). */
  readonly wrongSign: number;
}

/** The usual two-sided 95% pooled z-test for two proportions (valid for one look only). */
function naiveZ(a: ArmCounts, b: ArmCounts): { difference: number; significant: boolean } {
  const difference = rate(b) - rate(a);
  const pooled = (a.hits + b.hits) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  return { difference, significant: se > 0 && Math.abs(difference) / se > 1.959964 };
}

function quantile(sorted: readonly number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function simulate(spec: SimulationSpec): SimulationResult {
  const random = mulberry32(spec.seed);
  const test = spec.test ?? DEFAULT_SEQUENTIAL;
  const decisions: number[] = [];
  let wrong = 0;
  for (let e = 0; e < spec.experiments; e++) {
    let hitsA = 0;
    let hitsB = 0;
    for (let n = 1; n <= spec.maxPerArm; n++) {
      if (random() < spec.baseRate) hitsA++;
      if (random() < spec.baseRate + spec.lift) hitsB++;
      if (n % spec.peekEvery !== 0) continue;
      const a = { n, hits: hitsA };
      const b = { n, hits: hitsB };
      const r = spec.method === "naive-z" ? naiveZ(a, b) : compareRates(a, b, test);
      if (r.significant) {
        decisions.push(n);
        if (spec.lift !== 0 && Math.sign(r.difference) !== Math.sign(spec.lift)) wrong++;
        break;
      }
    }
  }
  decisions.sort((a, b) => a - b);
  return {
    spec,
    rejectRate: decisions.length / spec.experiments,
    samplesToDecision: { median: quantile(decisions, 0.5), p90: quantile(decisions, 0.9) },
    wrongSign: decisions.length > 0 ? wrong / decisions.length : 0,
  };
}
