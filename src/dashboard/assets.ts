/** The dashboard's static files: ours from public/, uPlot from its npm package. Read once, served with their types. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../.."); // dist/src/dashboard → repo
const require = createRequire(import.meta.url);
const UPLOT = dirname(require.resolve("uplot/package.json"));

const FILES: Record<string, { path: string; type: string }> = {
  "uplot.js": { path: join(UPLOT, "dist/uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
  "uplot.css": { path: join(UPLOT, "dist/uPlot.min.css"), type: "text/css; charset=utf-8" },
  "dashboard.js": { path: join(ROOT, "public/dashboard.js"), type: "text/javascript; charset=utf-8" },
  "dashboard.css": { path: join(ROOT, "public/dashboard.css"), type: "text/css; charset=utf-8" },
};

const cache = new Map<string, { body: Buffer; type: string }>();

export function asset(name: string): { body: Buffer; type: string } | null {
  const f = FILES[name];
  if (!f) return null;
  let hit = cache.get(name);
  if (!hit) cache.set(name, (hit = { body: readFileSync(f.path), type: f.type }));
  return hit;
}
