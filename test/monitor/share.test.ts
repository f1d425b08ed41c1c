/**
 * Closed windows reach the store merged per interval: one row for everything that closed
 * since the last write, nothing when nothing closed, and what is pending on close.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WindowSharer } from "../../src/monitor/share.js";
import { Window } from "../../src/monitor/window.js";

function closedWindow(start: number, messages: number, flagged: number): Window {
  const w = new Window(start);
  w.n = messages;
  w.flagged = flagged;
  w.end = start + 100;
  return w;
}

describe("sharing monitoring windows with the other replicas", () => {
  it("writes the windows that closed since the last write as one, and nothing when none did", async () => {
    const written: Window[] = [];
    const sharer = new WindowSharer(async (w) => void written.push(w), 60_000);
    const parts = [closedWindow(1_000, 500, 40), closedWindow(1_100, 500, 60), closedWindow(1_200, 500, 5)];
    for (const w of parts) sharer.add(w);
    await sharer.flush();
    assert.equal(written.length, 1);
    assert.deepEqual([written[0]!.n, written[0]!.flagged, written[0]!.start, written[0]!.end], [1_500, 105, 1_000, 1_300]);
    assert.deepEqual(parts.map((w) => w.n), [500, 500, 500], "the monitor's own windows are left as they closed");
    await sharer.flush();
    assert.equal(written.length, 1, "nothing new, no row");
    sharer.add(closedWindow(2_000, 10, 1));
    await sharer.close();
    assert.deepEqual(written.map((w) => w.n), [1_500, 10], "closing writes what is pending");
  });
});
