/**
 * Choose a store from `--store URL`: `sqlite:PATH` (default: warden.db under the data dir)
 * or `postgres://…`. The PostgreSQL store (and its driver) loads only when asked for: every
 * CLI command opens a store, and most never need it.
 */
import { join } from "node:path";
import { WardenError } from "../errors.js";
import { SqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

export async function openStore(url: string | undefined, dataDir: string): Promise<Store> {
  if (!url) return new SqliteStore(join(dataDir, "warden.db"));
  if (url.startsWith("sqlite:")) return new SqliteStore(url.slice("sqlite:".length));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return (await import("./postgres.js")).PostgresStore.open(url);
  throw new WardenError("CONFIG_INVALID", `--store ${url}: use sqlite:PATH or postgres://user@host:port/database.`);
}
