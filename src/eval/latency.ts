/**
 * A small in-process latency benchmark: classify texts one at a time, after a warm-up
 * (so the JIT has compiled the hot path), and report percentiles of single calls.
 * What the gate bounds, so a model that got slower is caught before it serves. The
 * calls are timed in three rounds and the round with the lowest p99 counts: another
 * process taking the CPU makes a round slower, never faster, so the best round is the
 * model's own speed (a gate must not fail a model because the machine was busy).
 */
import type { Engine } from "../engine/engine.js";

export interface LatencyFigures {
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export function measureLatency(engine: Engine, texts: readonly string[], options: { warmup?: number; calls?: number } = {}): LatencyFigures {
  const calls = options.calls ?? 2000;
  if (texts.length === 0) return { calls: 0, p50Ms: 0, p99Ms: 0 };
  for (let i = 0; i < (options.warmup ?? 500); i++) engine.classify(texts[i % texts.length]!);
  let best: LatencyFigures | null = null;
  for (let round = 0; round < 3; round++) {
    const ms = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      engine.classify(texts[i % texts.length]!);
      ms[i] = performance.now() - t;
    }
    ms.sort();
    const at = (q: number): number => ms[Math.min(calls - 1, Math.floor(q * calls))]!;
    if (!best || at(0.99) < best.p99Ms) best = { calls, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
  return best!;
}
