import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

describe('import { Warden } from "warden"', () => {
  it("loads the shipped model and classifies synchronously, without a server or files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-lib-"));
    try {
      const { Warden } = await import("warden");
      const w = await Warden.load({ dataDir: dir });
      const bad = w.classify("you are a disgusting idiot");
      const good = w.classify("thanks, see you tomorrow at the meeting");
      assert.ok(bad.score > 0.5, `abusive text scored ${bad.score}`);
      assert.ok(good.score < 0.5, `friendly text scored ${good.score}`);
      assert.equal(bad.model, w.version);
      assert.equal(bad.flagged, bad.action !== "allow");
      const texts = ["you are a disgusting idiot", "thanks, see you tomorrow at the meeting", "", "ｓｔｕｐｉｄ"];
      assert.deepEqual(w.classifyMany(texts), texts.map((t) => w.classify(t)));
      const { readdirSync } = await import("node:fs");
      assert.deepEqual(readdirSync(dir), [], "loading the library must not create files");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
