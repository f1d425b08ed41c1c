/** Choose a store from `--store URL`: `sqlite:PATH` (default: warden.db under the data dir). */
import { join } from "node:path";
import { WardenError } from "../errors.js";
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

export function openStore(url: string | undefined, dataDir: string): Store {
  if (!url) return new SqliteStore(join(dataDir, "warden.db"));
  if (url.startsWith("sqlite:")) return new SqliteStore(url.slice("sqlite:".length));
  throw new WardenError("CONFIG_INVALID", `--store ${url}: only sqlite:PATH is supported in this version.`);
}
