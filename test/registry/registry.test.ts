/** The registry's answers for the shipped default model, when nothing is registered. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sha256Hex } from "../../src/model/artifact.js";
import { readProfile } from "../../src/model/profile.js";
import { DEFAULT_MODEL_PATH, Registry, sidecarPathFor, versionOf } from "../../src/registry/registry.js";
import { SqliteStore } from "../../src/store/sqlite.js";

describe("Registry and the shipped model", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-registry-"));
  const store = new SqliteStore(join(dataDir, "warden.db"));
  const registry = new Registry(store, dataDir);
  after(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("locate names the file and the profile that load reads, and load gives the version its bytes hash to", async () => {
    const located = await registry.locate();
    const shipped = sidecarPathFor(DEFAULT_MODEL_PATH, "profiles");
    assert.deepEqual(located, { path: DEFAULT_MODEL_PATH, sha256: null, profilePath: shipped });
    const loaded = await registry.load();
    assert.equal(loaded.version, versionOf(sha256Hex(readFileSync(DEFAULT_MODEL_PATH))));
    assert.equal(registry.profilePath(loaded.version), shipped);
    assert.deepEqual(loaded.profile, readProfile(located.profilePath));
    assert.ok(loaded.profile !== null);
    // Another version is not the shipped model, and has no profile of its own.
    assert.equal(registry.profilePath("m-000000000000"), null);
  });
});
