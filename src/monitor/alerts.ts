/**
 * Alerts with hysteresis: a statistic must be over its alert threshold in `consecutive`
 * evaluations in a row to fire, and under `resolveFraction` of it in as many to resolve,
 * so a value hovering at the threshold does not flap.
 */
import type { AlertRecord } from "../store/types.js";

/** An alert's state is exactly what the store keeps of it (`since`: ISO time of the last change). */
export type AlertState = AlertRecord;

export interface HysteresisOptions {
  readonly consecutive: number;
  readonly resolveFraction: number;
}

export const DEFAULT_HYSTERESIS: HysteresisOptions = { consecutive: 2, resolveFraction: 0.8 };

interface Track {
  over: number;
  under: number;
  state: AlertState | null;
}

export class AlertBook {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly options: HysteresisOptions = DEFAULT_HYSTERESIS) {}

  /** Feed one evaluation; returns the alerts whose state changed. */
  evaluate(values: Record<string, { value: number | null; alert: number; description: string }>, now: number): AlertState[] {
    const changed: AlertState[] = [];
    for (const [name, s] of Object.entries(values)) {
      if (s.value === null) continue;
      const t = this.tracks.get(name) ?? { over: 0, under: 0, state: null };
      this.tracks.set(name, t);
      const firing = t.state?.state === "firing";
      if (s.value >= s.alert) {
        t.over++;
        t.under = 0;
      } else if (s.value < s.alert * this.options.resolveFraction) {
        t.under++;
        t.over = 0;
      } else {
        // In the band between the two: neither fires nor resolves.
        t.over = 0;
        t.under = 0;
      }
      const at = new Date(now).toISOString();
      if (!firing && t.over >= this.options.consecutive) {
        t.state = { name, state: "firing", since: at, value: s.value, threshold: s.alert, message: `${s.description}: ${fmt(s.value)}, over the alert threshold ${fmt(s.alert)}.` };
        changed.push(t.state);
      } else if (firing && t.under >= this.options.consecutive) {
        t.state = { name, state: "resolved", since: at, value: s.value, threshold: s.alert, message: `${s.description}: back to ${fmt(s.value)}, under the alert threshold ${fmt(s.alert)}.` };
        changed.push(t.state);
      } else if (t.state) {
        t.state = { ...t.state, value: s.value };
      }
    }
    return changed;
  }

  /** Every alert that has fired since the start, firing first. */
  list(): AlertState[] {
    return [...this.tracks.values()]
      .map((t) => t.state)
      .filter((s): s is AlertState => s !== null)
      .sort((a, b) => (a.state === b.state ? a.name.localeCompare(b.name) : a.state === "firing" ? -1 : 1));
  }

  restore(states: readonly AlertState[]): void {
    for (const s of states) this.tracks.set(s.name, { over: 0, under: 0, state: s });
  }
}

const fmt = (x: number): string => (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(3));
