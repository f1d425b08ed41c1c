/**
 * The step cache: one file per step output at `<dir>/<key>`, where the key is derived
 * from everything that determines the output (see runner.ts).
 *
 * File layout: "WCE1" | u32 manifest bytes | manifest JSON | payload | sha256(payload).
 *
 * An entry is trusted only after its checksum verifies; a missing, truncated or
 * corrupt entry reads as absent, so the step is recomputed (and the bad file removed).
 * Entries are written under a temporary name and renamed into place, so a run killed
 * mid-write (even by `kill -9`) leaves at most a temporary file, which the next run
 * removes once its writer is gone.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { retryTransient, type RetryOptions } from "./retry.js";

const MAGIC = "WCE1";
const DIGEST_BYTES = 32;
const TEMP = /\.tmp-(\d+)-[0-9a-f]+$/;

export interface CacheEntry {
  readonly payload: Buffer;
  /** sha256 of the payload: what downstream steps' keys are made of. */
  readonly sha256: string;
  readonly manifest: Record<string, unknown>;
}

export type CacheMiss = "missing" | "corrupt";

export function sha256Of(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class StepCache {
  constructor(
    readonly dir: string,
    private readonly retry: RetryOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
  }

  pathOf(key: string): string {
    return join(this.dir, key);
  }

  /** Remove temporary files left by runs that died (their process is gone). */
  removeAbandonedTemps(): number {
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      const m = TEMP.exec(name);
      if (m && !alive(Number(m[1]))) {
        rmSync(join(this.dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** The verified entry under `key`, or why there is none. */
  async get(key: string): Promise<CacheEntry | CacheMiss> {
    let buf: Buffer;
    try {
      buf = await retryTransient(() => readFile(this.pathOf(key)), this.retry);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
      throw err;
    }
    const entry = parse(buf, key);
    if (!entry) {
      await rm(this.pathOf(key), { force: true });
      return "corrupt";
    }
    return entry;
  }

  /** Store `payload` under `key` atomically; returns its sha256. */
  async put(key: string, payload: Buffer, manifest: Record<string, unknown>): Promise<string> {
    const sha256 = sha256Of(payload);
    const json = Buffer.from(JSON.stringify({ ...manifest, key, sha256 }), "utf8");
    const prefix = Buffer.alloc(8);
    prefix.write(MAGIC, 0, "ascii");
    prefix.writeUInt32LE(json.length, 4);
    const tmp = `${this.pathOf(key)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await retryTransient(() => writeFile(tmp, Buffer.concat([prefix, json, payload, Buffer.from(sha256, "hex")])), this.retry);
      await retryTransient(() => rename(tmp, this.pathOf(key)), this.retry);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return sha256;
  }
}

function parse(buf: Buffer, key: string): CacheEntry | null {
  if (buf.length < 8 + DIGEST_BYTES || buf.toString("ascii", 0, 4) !== MAGIC) return null;
  const jsonEnd = 8 + buf.readUInt32LE(4);
  if (jsonEnd > buf.length - DIGEST_BYTES) return null;
  const payload = buf.subarray(jsonEnd, buf.length - DIGEST_BYTES);
  const sha256 = sha256Of(payload);
  if (sha256 !== buf.subarray(buf.length - DIGEST_BYTES).toString("hex")) return null;
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(buf.toString("utf8", 8, jsonEnd)) as Record<string, unknown>;
  } catch {
    return null;
  }
  // A file renamed or copied under another key is not that key's output.
  if (manifest.key !== key || manifest.sha256 !== sha256) return null;
  return { payload, sha256, manifest };
}
