/**
 * An experiment's verdict from its two arms: guardrails first (they stop it and send
 * all traffic back to the champion), then the sample-ratio check, then the anytime-valid
 * comparisons of feedback precision and recall. The flagged rate is compared and
 * reported, but a change in it is neither good nor bad by itself: only labels decide.
 */
import type { ArmStats } from "./arm.js";
import { compareRates, type SequentialOptions, type SequentialResult, DEFAULT_SEQUENTIAL } from "./sequential.js";
import { sampleRatioMismatch, type SrmResult } from "./srm.js";

export interface Guardrails {
  /** The challenger's p99 latency may not exceed this many ms… */
  readonly maxP99Ms: number;
  /** …nor this multiple of the champion's p99. */
  readonly maxP99Ratio: number;
  readonly maxErrorRate: number;
  readonly maxDegradedRate: number;
  /** Guardrails judge only after the challenger has answered this many requests. */
  readonly minRequests: number;
}

export const DEFAULT_GUARDRAILS: Guardrails = { maxP99Ms: 50, maxP99Ratio: 3, maxErrorRate: 0.01, maxDegradedRate: 0.05, minRequests: 200 };

export type Decision = "continue" | "ship challenger" | "keep champion" | `stopped: ${string}`;

export interface Verdict {
  readonly decision: Decision;
  readonly summary: string;
  readonly srm: SrmResult | null;
  readonly flaggedRate: SequentialResult;
  readonly precision: SequentialResult;
  readonly recall: SequentialResult;
}

/** The first guardrail the challenger breaks, named, or null. */
export function brokenGuardrail(champion: ArmStats, challenger: ArmStats, g: Guardrails): string | null {
  if (challenger.requests < g.minRequests) return null;
  const p99 = challenger.latency.quantile(0.99)!;
  const championP99 = champion.latency.quantile(0.99);
  const limit = championP99 === null ? g.maxP99Ms : Math.max(g.maxP99Ms, championP99 * g.maxP99Ratio);
  if (p99 > limit) return `p99 latency ${p99.toFixed(1)} ms over ${limit.toFixed(1)} ms`;
  const errorRate = challenger.errors / challenger.requests;
  if (errorRate > g.maxErrorRate) return `error rate ${pct(errorRate)} over ${pct(g.maxErrorRate)}`;
  const degradedRate = challenger.degraded / challenger.requests;
  if (degradedRate > g.maxDegradedRate) return `degraded rate ${pct(degradedRate)} over ${pct(g.maxDegradedRate)}`;
  return null;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** F1 on the arm's labelled predictions (0 without any). */
function f1Of(arm: ArmStats): number {
  return arm.tp > 0 ? (2 * arm.tp) / (2 * arm.tp + arm.fp + arm.fn) : 0;
}
const points = (x: number): string => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)} points`;

export function decide(
  mode: "ab" | "shadow",
  traffic: number,
  champion: ArmStats,
  challenger: ArmStats,
  stoppedBy: string | null,
  test: SequentialOptions = DEFAULT_SEQUENTIAL,
): Verdict {
  const flaggedRate = compareRates(champion.flaggedCounts(), challenger.flaggedCounts(), test);
  const precision = compareRates(champion.precisionCounts(), challenger.precisionCounts(), test);
  const recall = compareRates(champion.recallCounts(), challenger.recallCounts(), test);
  // In shadow mode both arms see every message: there is no split to check.
  const srm = mode === "ab" ? sampleRatioMismatch([champion.requests, challenger.requests], [1 - traffic, traffic]) : null;
  const base = { srm, flaggedRate, precision, recall };
  if (stoppedBy) {
    return { ...base, decision: `stopped: ${stoppedBy}`, summary: `Stopped because the challenger's ${stoppedBy}; all traffic went back to the champion (${champion.model}).` };
  }
  const labels = `${champion.precisionCounts().n + challenger.precisionCounts().n} labelled flagged messages`;
  if (srm?.mismatch) {
    return {
      ...base,
      decision: "continue",
      summary: `The traffic split is off (champion ${champion.requests} requests, challenger ${challenger.requests}, expected ${pct(1 - traffic)} / ${pct(traffic)}; p = ${srm.pValue.toExponential(1)}): something routes users unevenly, so no result of this experiment can be trusted until that is fixed.`,
    };
  }
  const worse = (r: SequentialResult): boolean => r.significant && r.difference < 0;
  const better = (r: SequentialResult): boolean => r.significant && r.difference > 0;
  if ((better(precision) && worse(recall)) || (worse(precision) && better(recall))) {
    // Neither dominates: which error costs more is the platform's call, not a statistic's.
    return {
      ...base,
      decision: "continue",
      summary: `The challenger trades one error for the other: precision ${points(precision.difference)} and recall ${points(recall.difference)} against the champion on ${labels} (F1 ${f1Of(challenger).toFixed(3)} against ${f1Of(champion).toFixed(3)}). Neither is better on both, so this is a policy decision: promote by hand if the trade is wanted.`,
    };
  }
  if (worse(precision) || worse(recall)) {
    const what = worse(precision) ? `precision ${points(precision.difference)}` : `recall ${points(recall.difference)}`;
    return { ...base, decision: "keep champion", summary: `The challenger is measurably worse: ${what} against the champion on ${labels}. Keep the champion.` };
  }
  if (better(precision) || better(recall)) {
    const what = [better(precision) ? `precision ${points(precision.difference)}` : null, better(recall) ? `recall ${points(recall.difference)}` : null].filter(Boolean).join(" and ");
    return {
      ...base,
      decision: "ship challenger",
      summary: `The challenger is measurably better: ${what}, and no worse on the other, on ${labels}. It can be promoted (the registry's gate still checks it).`,
    };
  }
  return {
    ...base,
    decision: "continue",
    summary: `No measurable difference yet in precision (${points(precision.difference)}) or recall (${points(recall.difference)}) on ${labels}; it flags ${pct(challenger.flaggedCounts().hits / Math.max(1, challenger.flaggedCounts().n))} of messages against the champion's ${pct(champion.flaggedCounts().hits / Math.max(1, champion.flaggedCounts().n))}. Keep collecting feedback.`,
  };
}
