/**
 * The promotion gate: a candidate may replace the champion only if no dataset's
 * validation F1 drops by more than `tolerance` against the champion on the same
 * validation split. The verdict carries its reasons in plain words.
 */
import type { BinaryMetrics } from "../eval/metrics.js";

export interface GateVerdict {
  readonly passed: boolean;
  readonly reasons: string[];
}

export function gate(
  candidate: Record<string, BinaryMetrics>,
  champion: Record<string, BinaryMetrics> | null,
  tolerance = 0.01,
): GateVerdict {
  if (!champion) return { passed: true, reasons: ["no champion yet: the first model passes"] };
  const reasons: string[] = [];
  let compared = 0;
  for (const [name, m] of Object.entries(candidate)) {
    const base = champion[name];
    if (!base) continue;
    compared++;
    const drop = base.f1 - m.f1;
    if (drop > tolerance) {
      reasons.push(`${name}: F1 ${m.f1.toFixed(3)} is ${(drop * 100).toFixed(1)} points below the champion's ${base.f1.toFixed(3)} (tolerance ${(tolerance * 100).toFixed(1)})`);
    }
  }
  if (compared === 0) return { passed: true, reasons: ["no dataset in common with the champion's validation data"] };
  if (reasons.length > 0) return { passed: false, reasons };
  return { passed: true, reasons: [`no dataset's F1 dropped more than ${(tolerance * 100).toFixed(1)} points on ${compared} datasets`] };
}
