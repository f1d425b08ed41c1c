/**
 * A model's monitoring reference: its validation data run through it exactly as serving
 * would, counted as one window. The pipeline makes it (step `reference`), the registry
 * keeps it beside the artifact, and a server compares live traffic with it until someone
 * pins another.
 */
import type { Engine } from "../engine/engine.js";
import { toRecord } from "./monitor.js";
import { observe } from "./replay.js";
import { Window, type WindowSnapshot } from "./window.js";

export function referenceSnapshot(engine: Engine, texts: readonly string[]): WindowSnapshot {
  const w = new Window(0);
  for (const t of texts) w.add(toRecord(observe(engine, t, 0), engine.model.lexicon));
  return w.snapshot();
}
