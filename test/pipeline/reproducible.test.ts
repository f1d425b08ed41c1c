import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_MODEL_PATH, sidecarPathFor } from "../../src/registry/registry.js";
import { REPO_ROOT, SHARED_DATA, sharedDataSkip } from "../helpers/shared.js";

const sha = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("the shipped default model", () => {
  it("is reproduced byte for byte by the training pipeline from ../shared/data", { skip: sharedDataSkip() }, () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-repro-"));
    try {
      const out = join(dir, "default.wdn");
      const stdout = execFileSync(
        process.execPath,
        [resolve(REPO_ROOT, "bin/warden.js"), "train", "--data", SHARED_DATA, "--config", resolve(REPO_ROOT, "models/default.config.json"), "--data-dir", join(dir, "wd"), "--export", out],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      const last = JSON.parse(stdout.trim().split("\n").pop()!) as { sha256: string; gate: string; version: string };
      const shipped = sha(resolve(REPO_ROOT, "models/default.wdn"));
      assert.equal(sha(out), last.sha256);
      assert.equal(last.sha256, shipped, "retraining gave different bytes than models/default.wdn");
      // And what ships beside it: the monitoring reference and the validation score profile.
      for (const kind of ["references", "profiles"] as const) {
        assert.equal(sha(sidecarPathFor(out, kind)), sha(sidecarPathFor(DEFAULT_MODEL_PATH, kind)), `retraining gave a different ${sidecarPathFor(DEFAULT_MODEL_PATH, kind)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
