/**
 * Must-show 1 of the loop, on real data from ../shared: a champion trained without
 * offenseval-tr serves Turkish traffic; reviewers answer the queue from the dataset's
 * labels; a drift alert starts a retrain; the candidate, in shadow, beats the champion
 * on Turkish in the experiment's own figures and on the held-out test split. The same
 * scenario, larger, writes its figures to docs/quality.md (scripts/quality-doc.sh).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SCENARIO_BASE, runLoopScenario } from "../../bench/loop-scenario.js";
import { SHARED_DATA, sharedDataSkip } from "../helpers/shared.js";

describe("closing the loop on real data", { skip: sharedDataSkip() }, () => {
  it("drift on a new language's traffic retrains on reviewers' labels, and the shadow challenger beats the champion on that language", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "warden-loop-e2e-"));
    try {
      const r = await runLoopScenario({ sharedData: SHARED_DATA, base: SCENARIO_BASE, target: "offenseval-tr", workDir, replay: 4000, shadowReplay: 1500, randomShare: 0.2, minLabels: 1500, log: (l) => console.log(`# ${l}`) });
      assert.ok(r.messagesBeforeTrigger !== null, "an alert triggered a retrain");
      // The alert came before reviewers had given enough labels: the trigger waited for them.
      assert.match(r.retrain!.trigger, /^alert:\w+ \(waited for labels\)$/);
      assert.ok(r.labelsBeforeTrigger >= 1500);
      assert.equal(r.retrain!.state, "succeeded", r.retrain!.message);
      assert.equal(r.retrain!.gate, "passed");
      const arms = r.experiment!.arms as Array<{ arm: string; feedback: { n: number; precision: number | null; recall: number | null } }>;
      const f1 = (a: (typeof arms)[number]): number => {
        const { precision: p, recall: rc } = a.feedback;
        return p === null || rc === null || p + rc === 0 ? 0 : (2 * p * rc) / (p + rc);
      };
      const champion = arms.find((a) => a.arm === "champion")!;
      const challenger = arms.find((a) => a.arm === "challenger")!;
      console.log(`# experiment: champion F1 ${f1(champion).toFixed(3)} (${champion.feedback.n} labels), challenger F1 ${f1(challenger).toFixed(3)}; decision ${String(r.experiment!.decision)}`);
      assert.ok(challenger.feedback.n >= 200, "the experiment's figures rest on labels");
      assert.ok(f1(challenger) > f1(champion) + 0.05, "the challenger beats the champion in the experiment's figures");
      assert.ok(challenger.feedback.precision! > champion.feedback.precision!);
      const tr = (report: NonNullable<typeof r.direct.challenger>) => report.datasets.find((d) => d.name === "offenseval-tr")!;
      console.log(`# offenseval-tr test F1: champion ${tr(r.direct.champion).f1.toFixed(3)}, challenger ${tr(r.direct.challenger!).f1.toFixed(3)}`);
      assert.ok(tr(r.direct.challenger!).f1 > tr(r.direct.champion).f1 + 0.08);
      assert.ok(tr(r.direct.challenger!).rocAuc > tr(r.direct.champion).rocAuc + 0.1);
      // The champion kept serving: nothing was promoted by the loop.
      assert.equal(r.experiment!.state, "running");
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
