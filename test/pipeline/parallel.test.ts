import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapOnTwoThreads } from "../../src/pipeline/parallel.js";
import { TASKS, firstPassMany, normalizeWithLexicon, type FirstPass } from "../../src/pipeline/split.js";

const texts = Array.from({ length: 9001 }, (_, i) => `Y0u  are ${["an 1d10t", "so kind", "a ｍｏｒｏｎ", "w o n d e r f u l"][i % 4]} #${i}`);

describe("mapOnTwoThreads", () => {
  it("gives what one thread gives, in order, with a worker doing half", async () => {
    const told: number[] = [];
    const both = await mapOnTwoThreads<string, FirstPass>(TASKS.firstPassMany, texts, "full", (done, total) => {
      assert.equal(total, texts.length);
      told.push(done);
    });
    assert.deepEqual(both, firstPassMany(texts, "full"));
    assert.equal(told.at(-1), texts.length);
    const lexicon = { lexicon: [["idiot", 9, "en"], ["you", 9, "en"], ["are", 9, "en"]], level: "full" };
    const withLangs = texts.map((t) => [t, "en"] as const);
    assert.deepEqual(await mapOnTwoThreads(TASKS.normalizeWithLexicon, withLangs, lexicon), normalizeWithLexicon(withLangs, lexicon));
  });

  it("runs a short list on this thread alone", async () => {
    assert.deepEqual(await mapOnTwoThreads(TASKS.firstPassMany, texts.slice(0, 10), "basic"), firstPassMany(texts.slice(0, 10), "basic"));
  });

  it("rejects when the task is not there", async () => {
    await assert.rejects(mapOnTwoThreads({ module: TASKS.firstPassMany.module, name: "nothing" }, texts, null), /exports no function nothing/);
  });
});
