/**
 * The experiment's part of answering a request: which engine answers (sticky arm), what
 * the arm did, and the challenger's shadow score, computed after the response on the
 * event loop's idle time and never more than MAX_SHADOW_PENDING at once, so that a slow
 * challenger cannot pile work up behind the champion's answers.
 */
import type { Classification, Engine } from "../engine/engine.js";
import type { Arm } from "./assign.js";
import type { ExperimentManager } from "./manager.js";

const MAX_SHADOW_PENDING = 64;
let shadowPending = 0;

export interface ArmChoice {
  readonly engine: Engine;
  /** null when no experiment runs. */
  readonly arm: Arm | null;
  readonly report: (id: string, result: Classification, latencyMs: number) => void;
}

const NO_EXPERIMENT = { arm: null, report: () => {} } as const;

/** key: the request's user, else its id (sticky assignment). */
export function chooseArm(manager: ExperimentManager, champion: Engine, key: string, text: string): ArmChoice {
  const running = manager.running;
  if (!running) return { engine: champion, ...NO_EXPERIMENT };
  const { experiment, challenger } = running;
  const arm = experiment.answeringArm(key);
  return {
    engine: arm === "challenger" ? challenger : champion,
    arm,
    report: (id, result, latencyMs) => {
      experiment.record(arm, id, { flagged: result.flagged, action: result.action, latencyMs, degraded: result.degraded });
      if (!experiment.shadows(key) || shadowPending >= MAX_SHADOW_PENDING) return;
      shadowPending++;
      setImmediate(() => {
        const t0 = performance.now();
        try {
          const r = challenger.classify(text);
          experiment.recordShadow(id, { flagged: r.flagged, action: r.action, latencyMs: performance.now() - t0, degraded: r.degraded });
        } catch {
          experiment.recordError("challenger", performance.now() - t0);
        } finally {
          shadowPending--;
        }
      });
    },
  };
}
