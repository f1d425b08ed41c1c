/**
 * Where the shared datasets are, for tests that need real data. Outside CI a missing
 * ../shared/data skips those tests with a printed reason; under CI=true it fails them.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const SHARED_DATA = resolve(process.env.WARDEN_SHARED_DATA ?? resolve(REPO_ROOT, "../shared/data"));

/** `false` when the data is there; a skip reason otherwise. Throws under CI. */
export function sharedDataSkip(): string | false {
  if (existsSync(resolve(SHARED_DATA, "datasets.json"))) return false;
  const reason = `shared data not found at ${SHARED_DATA}`;
  if (process.env.CI === "true") throw new Error(`${reason}; CI must not skip these tests.`);
  console.log(`# skipping: ${reason}`);
  return reason;
}
