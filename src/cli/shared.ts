/** What every CLI command shares: the data-dir option, the registry on its store, integer options, the code version. */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CommanderError, Option } from "commander";
import type { CodeVersion } from "../pipeline/run.js";
import { Registry } from "../registry/registry.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/types.js";

export function storeOption(): Option {
  return new Option("--store <url>", "sqlite:PATH (default: warden.db under the data dir) or postgres://user@host:port/db[?schema=NAME], shared by replicas");
}

export function dataDirOption(): Option {
  return new Option("--data-dir <dir>", "where the registry, store and cache live").env("WARDEN_DATA_DIR").default("./warden-data");
}

/** Open the store (the data dir's SQLite file, or --store) and its registry for `fn`, closing it after. */
export async function withRegistry<T>(dataDir: string, storeUrl: string | undefined, fn: (registry: Registry, store: Store) => Promise<T>): Promise<T> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const store = await openStore(storeUrl, dir);
  try {
    return await fn(new Registry(store, dir), store);
  } finally {
    await store.close();
  }
}

/** An integer option of at least `min` (a usage error, exit 2, otherwise). */
export function parseInteger(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CommanderError(2, "warden.usage", `${name} must be an integer >= ${min}. Got ${value}.`);
  return n;
}

export function parsePositiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CommanderError(2, "warden.usage", `${name} must be a positive integer. Got ${value}.`);
  return n;
}

/** A share strictly between 0 and 1 (a usage error, exit 2, otherwise). */
export function parseShare(value: string, name: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new CommanderError(2, "warden.usage", `${name} must be a share between 0 and 1 (exclusive). Got ${value}.`);
  return n;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The git commit of the code, and whether tracked files differ from it (lineage). */
export function codeVersion(): CodeVersion {
  const git = (args: string[]): string => execFileSync("git", args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  try {
    return { commit: git(["rev-parse", "HEAD"]), dirty: git(["status", "--porcelain", "--untracked-files=no"]) !== "" };
  } catch {
    return { commit: null, dirty: false };
  }
}

