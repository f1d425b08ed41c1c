/**
 * Replaying messages through the engine into a monitor, as serving would, on a
 * simulated clock: how the monitoring is tested on real data and how its false-alarm
 * rate is measured (docs/monitoring.md).
 */
import { STAGE_SECOND, type Engine } from "../engine/engine.js";
import type { Monitor, Observation } from "./monitor.js";

export function observe(engine: Engine, text: string, ts: number): Observation {
  const t0 = performance.now();
  const r = engine.classify(text, { observe: true });
  const o = r.observed!;
  return { ts, score: r.score, flagged: r.flagged, action: r.action, lang: r.lang, model: r.model, latencyMs: performance.now() - t0, degraded: r.degraded, secondStage: r.stage === STAGE_SECOND, normalized: o.normalized, evasion: o.evasion, repairedEncoding: o.repairedEncoding, invisible: o.invisible, categories: r.categories, flaggedCategories: o.flaggedCategories };
}

export interface ReplayClock {
  now: number;
  readonly stepMs: number;
}

/** Feed texts one by one (the clock advancing stepMs each), folding as the server's timer would. */
export function replay(monitor: Monitor, engine: Engine, texts: readonly string[], clock: ReplayClock): void {
  for (const t of texts) {
    clock.now += clock.stepMs;
    monitor.observe(observe(engine, t, clock.now));
    monitor.flush();
  }
}
