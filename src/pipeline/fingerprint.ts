/**
 * A step's code version, computed: the sha256 of its module's source and of every
 * module it imports, transitively (relative imports; packages are pinned by the lock
 * file). Editing the normalizer changes the fingerprint of every step that normalizes,
 * so a stale cached output can never be reused after a code change, even when nobody
 * remembered to bump a version number. Editing the server changes none.
 *
 *   codeFingerprint(import.meta.url) // "3f1c…"
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;

const sourceHashes = new Map<string, { sha: string; imports: string[] }>();
const fingerprints = new Map<string, string>();

function moduleInfo(url: string): { sha: string; imports: string[] } {
  let info = sourceHashes.get(url);
  if (!info) {
    const source = readFileSync(fileURLToPath(url), "utf8");
    const imports = [...source.matchAll(IMPORT)].map((m) => new URL(m[1]!, url).href);
    info = { sha: createHash("sha256").update(source).digest("hex"), imports };
    sourceHashes.set(url, info);
  }
  return info;
}

export function codeFingerprint(moduleUrl: string): string {
  const cached = fingerprints.get(moduleUrl);
  if (cached) return cached;
  const seen = new Set<string>();
  const pending = [moduleUrl];
  while (pending.length > 0) {
    const url = pending.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    pending.push(...moduleInfo(url).imports);
  }
  // Content only, in a fixed order: the same code checked out elsewhere has the same fingerprint.
  const hash = createHash("sha256");
  for (const sha of [...seen].map((u) => moduleInfo(u).sha).sort()) hash.update(sha);
  const fingerprint = hash.digest("hex");
  fingerprints.set(moduleUrl, fingerprint);
  return fingerprint;
}
