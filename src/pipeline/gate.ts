/**
 * The promotion gate (TFX calls it a blessing): a candidate may replace the champion
 * only if, on the same validation rows,
 *   - no dataset's F1 drops by more than `f1Tolerance`, or by more than `noiseSigmas`
 *     standard errors of that dataset's F1 when its validation rows are too few to tell
 *     a smaller drop from noise (500 rows measure F1 to about ±2.5 points),
 *   - its mean F1 drop under the attack suite is not worse by more than `attackTolerance`,
 *   - its expected calibration error is at most `maxEce`,
 *   - the p99 of single classify calls is at most `maxP99LatencyMs`.
 * The last two hold for a first model too. The verdict carries one plain sentence per
 * check; a failed verdict lists the failed checks first.
 */
import type { GateConfig } from "../config.js";
import type { HoldoutEvaluation } from "../eval/holdout.js";
import type { LatencyFigures } from "../eval/latency.js";
import type { BinaryMetrics } from "../eval/metrics.js";

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

/**
 * The standard error of an F1 measured on these rows. F1 = 2TP / (2TP + FP + FN) is
 * treated as a proportion over its 2TP + FP + FN trials (the counts follow from
 * precision, recall and positives).
 */
export function f1StandardError(m: BinaryMetrics): number {
  const tp = m.recall * m.positives;
  const fn = m.positives - tp;
  const fp = m.precision > 0 ? tp / m.precision - tp : 0;
  const trials = 2 * tp + fp + fn;
  return trials > 0 ? Math.sqrt((m.f1 * (1 - m.f1)) / trials) : 0;
}

function f1Check(candidate: HoldoutEvaluation, champion: HoldoutEvaluation, tolerance: number, noiseSigmas: number): GateCheck {
  const drops: string[] = [];
  let compared = 0;
  let widened = 0;
  for (const [name, m] of Object.entries(candidate.datasets)) {
    const base = champion.datasets[name];
    if (!base) continue;
    compared++;
    const noise = noiseSigmas * f1StandardError(base);
    if (noise > tolerance) widened++;
    const allowed = Math.max(tolerance, noise);
    const drop = base.f1 - m.f1;
    if (drop > allowed) drops.push(`${name}: F1 ${m.f1.toFixed(3)} is ${points(drop)} points below the champion's ${base.f1.toFixed(3)} (allowed ${points(allowed)})`);
  }
  const rule = `tolerance ${points(tolerance)} points, or ${noiseSigmas} standard errors where the validation rows are few (${widened} of ${compared} datasets)`;
  if (drops.length > 0) return { check: "f1", passed: false, reason: `${drops.join("; ")} (${rule})` };
  return { check: "f1", passed: true, reason: `no dataset's F1 dropped more than allowed against the champion (${rule})` };
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
    checks.push(f1Check(candidate.evaluation, champion.evaluation, settings.f1Tolerance, settings.noiseSigmas));
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
