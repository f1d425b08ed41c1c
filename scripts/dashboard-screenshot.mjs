// Screenshots of the dashboard with live data for docs/: serves the default model, sends
// real messages from ../shared/data (with reviewers' labels for some), then photographs
// each tab in Debian's Chromium. Usage: npm run build && node scripts/dashboard-screenshot.mjs
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..");
const DATA = resolve(process.env.WARDEN_SHARED_DATA ?? join(ROOT, "../shared/data"));
const TOKEN = "screenshot";
const dataDir = mkdtempSync(join(tmpdir(), "warden-shot-"));
const server = spawn(process.execPath, [join(ROOT, "bin/warden.js"), "serve", "--port", "0", "--data-dir", dataDir], { env: { ...process.env, WARDEN_ADMIN_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "inherit"] });
try {
  let out = "";
  server.stdout.on("data", (d) => (out += d));
  while (!/listening at (http:\/\/[\d.:]+)/.test(out)) await new Promise((r) => setTimeout(r, 100));
  const url = /listening at (http:\/\/[\d.:]+)/.exec(out)[1];
  const post = (path, body) => fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const rows = readdirSync(DATA).sort().filter((d) => existsSync(join(DATA, d, "test.jsonl"))).flatMap((d) => readFileSync(join(DATA, d, "test.jsonl"), "utf8").trim().split("\n").slice(0, 150).map((l) => JSON.parse(l)));
  // Interleave datasets, as real traffic would be.
  rows.sort((a, b) => (a.text.length % 97) - (b.text.length % 97));
  // Reviewers label a quarter of the flagged messages and a few allowed ones, after the fact.
  const labels = [];
  let i = 0;
  for (const r of rows) {
    const res = await (await post("/v1/classify", { text: r.text, id: `m${i}` })).json();
    if ((res.flagged && i % 4 === 0) || i % 25 === 0) labels.push([`m${i}`, r.label]);
    i++;
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const [id, label] of labels) await post("/v1/feedback", { id, label });
  await new Promise((r) => setTimeout(r, 1500));
  const browser = await chromium.launch({ executablePath: process.env.WARDEN_TEST_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.fill("#token", TOKEN);
  await page.press("#token", "Enter");
  for (const tab of ["overview", "quality", "drift", "review", "loop"]) {
    await page.click(`nav button[data-tab="${tab}"]`);
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(ROOT, `docs/dashboard-${tab}.png`), fullPage: tab !== "review" });
    console.log(`wrote docs/dashboard-${tab}.png`);
  }
  await browser.close();
} finally {
  server.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
}
