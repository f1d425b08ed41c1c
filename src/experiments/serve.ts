/**
 * The experiment's part of answering a request: which engine answers (sticky arm), what
 * the arm did, and in shadow mode a copy of the text for the challenger, which scores it
 * in its own process (shadow.ts) and never answers.
 */
import type { Classification, Engine } from "../engine/engine.js";
import type { Arm } from "./assign.js";
import type { ExperimentManager } from "./manager.js";

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
  const { experiment, challenger, shadow } = running;
  const arm = experiment.answeringArm(key);
  return {
    engine: arm === "challenger" && challenger ? challenger : champion,
    arm,
    report: (id, result, latencyMs) => {
      experiment.record(arm, id, { flagged: result.flagged, action: result.action, latencyMs, degraded: result.degraded });
      if (shadow && experiment.shadows(key)) shadow.score(id, text);
    },
  };
}
