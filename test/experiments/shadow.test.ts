import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { Experiment } from "../../src/experiments/experiment.js";
import { ShadowScorer } from "../../src/experiments/shadow.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { waitFor } from "../helpers/wait.js";

const spec = { name: "shadow", champion: "m-old", challenger: "m-new", startedAt: 0, mode: "shadow" as const, traffic: 1 };

describe("the shadow challenger's process", () => {
  it("scores every copy off the serving thread and reports disagreements", async () => {
    const experiment = new Experiment(spec);
    const disagreements: string[] = [];
    const shadow = new ShadowScorer({ path: resolve(REPO_ROOT, "models/default.wdn"), profilePath: null }, "m-new", loadConfig().policy, experiment, (id) => disagreements.push(id));
    try {
      // The champion said "not flagged" to everything: the shadow disagrees on the abusive ones.
      const texts = ["you are a stupid idiot", "have a nice day", "shut up you worthless moron", "the meeting is at noon"];
      texts.forEach((text, i) => {
        experiment.record("champion", `r${i}`, { flagged: false, action: "allow", latencyMs: 1, degraded: false });
        shadow.score(`r${i}`, text);
      });
      await waitFor("the shadow scores", async () => experiment.arms.challenger.requests === texts.length, 20);
      assert.equal(shadow.backlog, 0);
      assert.equal(experiment.arms.challenger.errors, 0);
      assert.deepEqual(disagreements.sort(), ["r0", "r2"]);
    } finally {
      await shadow.close();
    }
  });

  it("counts every copy as an error when the challenger cannot load, so the error guardrail can stop it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-shadow-"));
    const broken = join(dir, "broken.wdn");
    writeFileSync(broken, "not a model");
    const experiment = new Experiment(spec);
    const shadow = new ShadowScorer({ path: broken, profilePath: null }, "m-new", loadConfig().policy, experiment);
    try {
      shadow.score("a", "hello");
      shadow.score("b", "hello again");
      await waitFor("the failed load is noticed", async () => experiment.arms.challenger.errors === 2, 20);
      shadow.score("c", "and once more");
      assert.equal(experiment.arms.challenger.errors, 3, "a dead challenger fails each copy at once");
      assert.equal(shadow.backlog, 0);
    } finally {
      await shadow.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
