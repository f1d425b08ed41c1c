/**
 * Monitoring windows close after `windowSize` messages or `windowSeconds`, and every
 * closed window goes to `onClose` (the server shares it with the other replicas). A
 * window that holds only labels must close too: a label given after the last message
 * would otherwise never reach the other replicas.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_MONITOR, Monitor } from "../../src/monitor/monitor.js";
import type { Window } from "../../src/monitor/window.js";
import { buildLexicon } from "../../src/text/lexicon.js";

function monitorWithClock(): { monitor: Monitor; closed: Window[]; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const closed: Window[] = [];
  const lexicon = buildLexicon(["hello there"], 1);
  const monitor = new Monitor(() => lexicon, { ...DEFAULT_MONITOR, windowSize: 10, windowSeconds: 1, minMessages: 5 }, null, () => {}, () => clock.now, (w) => closed.push(w));
  return { monitor, closed, clock };
}

const label = { label: 1 as const, flagged: true, lang: "en", model: "m-1", category: "abusive", score: 0.9 };

describe("monitoring windows", () => {
  it("closes a window of labels alone once its time is up, and hands it on", () => {
    const { monitor, closed, clock } = monitorWithClock();
    monitor.observeFeedback(label);
    monitor.flush();
    assert.equal(closed.length, 0, "closed before its time");
    clock.now += 1_000;
    monitor.flush();
    assert.equal(closed.length, 1);
    assert.equal(closed[0]!.n, 0);
    assert.equal(closed[0]!.feedback.get("*")?.tp, 1);
  });

  it("leaves an empty window open however long nothing happens", () => {
    const { monitor, closed, clock } = monitorWithClock();
    clock.now += 60_000;
    monitor.flush();
    assert.equal(closed.length, 0);
  });

  it("counts a label in GET /v1/monitor's figures whether or not its window has closed", () => {
    const { monitor, clock } = monitorWithClock();
    monitor.observeFeedback(label);
    const open = monitor.status(3_600_000, "1h") as { quality: { feedback_n: number } };
    assert.equal(open.quality.feedback_n, 1);
    clock.now += 1_000;
    monitor.flush();
    const closedNow = monitor.status(3_600_000, "1h") as { quality: { feedback_n: number } };
    assert.equal(closedNow.quality.feedback_n, 1);
  });
});
