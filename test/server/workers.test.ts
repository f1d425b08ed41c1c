/**
 * `warden serve --workers 2`: two processes share one port, /metrics adds up across them,
 * and SIGTERM stops them all gracefully.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { withTestServing } from "../helpers/fixture.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { waitFor } from "../helpers/wait.js";

describe("warden serve --workers 2", () => {
  it("serves from two processes on one port, sums their metrics, and stops on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "warden-workers-"));
    const config = join(dataDir, "config.json");
    writeFileSync(config, JSON.stringify(withTestServing()));
    const child = spawn(process.execPath, ["bin/warden.js", "serve", "--workers", "2", "--port", "0", "--data-dir", dataDir, "--config", config], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      await waitFor("both workers listening", async () => (out.match(/listening at http:\/\/127\.0\.0\.1:\d+/g) ?? []).length >= 2, 30);
      const urls = new Set(out.match(/listening at (http:\/\/127\.0\.0\.1:\d+)/g)!.map((l) => l.slice("listening at ".length)));
      assert.equal(urls.size, 1, "one shared port");
      const url = [...urls][0]!;
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${url}/v1/classify`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: JSON.stringify({ text: `hello number ${i}` }) });
        assert.equal(res.status, 200);
        await res.text();
      }
      const metrics = await (await fetch(`${url}/metrics`, { headers: { connection: "close" } })).text();
      const served = [...metrics.matchAll(/^warden_classifications_total\{action="\w+"\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
      assert.equal(served, 40, "the two workers' counts add up");
      child.kill("SIGTERM");
      const code = await new Promise<number | null>((r) => child.once("exit", r));
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
