/**
 * The promotion gate (TFX calls it a blessing): a candidate may replace the champion
 * only if, on the same validation rows,
 *   - no dataset's F1 drops by more than `f1Tolerance`,
 *   - its mean F1 drop under the attack suite is not worse by more than `attackTolerance`,
 *   - its expected calibration error is at most `maxEce`,
 *   - the p99 of single classify calls is at most `maxP99LatencyMs`.
 * The last two hold for a first model too. The verdict carries one plain sentence per
 * check; a failed verdict lists the failed checks first.
 */
import type { GateConfig } from "../config.js";
import type { HoldoutEvaluation } from "../eval/holdout.js";
import type { LatencyFigures } from "../eval/latency.js";

export interface GateCheck {
  readonly check: "f1" | "attack" | "ece" | "latency";
  readonly passed: boolean;
  readonly reason: string;
}

export interface GateVerdict {
  readonly passed: boolean;
  readonly champion: string | null;
  readonly reasons: string[];
  readonly checks: GateCheck[];
}

export interface Contender {
  readonly evaluation: HoldoutEvaluation;
  readonly latency: LatencyFigures;
}

const points = (x: number): string => (100 * x).toFixed(1);

function f1Check(candidate: HoldoutEvaluation, champion: HoldoutEvaluation, tolerance: number): GateCheck {
  const drops: string[] = [];
  let compared = 0;
  for (const [name, m] of Object.entries(candidate.datasets)) {
    const base = champion.datasets[name];
    if (!base) continue;
    compared++;
    const drop = base.f1 - m.f1;
    if (drop > tolerance) drops.push(`${name}: F1 ${m.f1.toFixed(3)} is ${points(drop)} points below the champion's ${base.f1.toFixed(3)}`);
  }
  if (drops.length > 0) return { check: "f1", passed: false, reason: `${drops.join("; ")} (tolerance ${points(tolerance)} points)` };
  return { check: "f1", passed: true, reason: `no dataset's F1 dropped more than ${points(tolerance)} points against the champion (${compared} datasets)` };
}

function attackCheck(candidate: HoldoutEvaluation, champion: HoldoutEvaluation, tolerance: number): GateCheck | null {
  const c = candidate.attack;
  const b = champion.attack;
  if (!c || !b) return null;
  const worse = c.meanDrop - b.meanDrop;
  const figures = `mean F1 drop under attack ${c.meanDrop.toFixed(1)} points vs the champion's ${b.meanDrop.toFixed(1)} (${c.rows} rows, tolerance ${points(tolerance)})`;
  return { check: "attack", passed: worse <= 100 * tolerance, reason: figures };
}

export function decideGate(candidate: Contender, champion: { readonly version: string; readonly evaluation: HoldoutEvaluation } | null, settings: GateConfig): GateVerdict {
  const checks: GateCheck[] = [];
  if (champion) {
    checks.push(f1Check(candidate.evaluation, champion.evaluation, settings.f1Tolerance));
    const a = attackCheck(candidate.evaluation, champion.evaluation, settings.attackTolerance);
    if (a) checks.push(a);
  }
  const ece = candidate.evaluation.ece;
  checks.push({
    check: "ece",
    passed: !(ece > settings.maxEce),
    reason: `expected calibration error ${Number.isNaN(ece) ? "n/a (no validation rows)" : ece.toFixed(3)} (bound ${settings.maxEce})`,
  });
  const p99 = candidate.latency.p99Ms;
  checks.push({ check: "latency", passed: p99 <= settings.maxP99LatencyMs, reason: `p99 latency ${p99.toFixed(2)} ms (the best of three rounds of ${candidate.latency.calls} calls; bound ${settings.maxP99LatencyMs} ms)` });
  const passed = checks.every((c) => c.passed);
  const reasons = [...checks.filter((c) => !c.passed), ...checks.filter((c) => c.passed)].map((c) => (c.passed ? c.reason : `FAILED ${c.reason}`));
  if (!champion) reasons.unshift("no champion yet: F1 and attack checks need one");
  return { passed, champion: champion?.version ?? null, reasons, checks };
}
