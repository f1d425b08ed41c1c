/// <reference lib="dom" />
/**
 * The dashboard in real Chromium (Debian's, driven by playwright-core): after traffic it
 * loads without console errors and draws its charts; labelling from the review queue
 * records feedback (by click and by keyboard); a message carrying <img onerror> or
 * <script> is shown as text and never runs; it fits a phone's width; screenshots saved.
 */
import assert from "node:assert/strict";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { FIXTURE_FRIENDLY, FIXTURE_INSULT, startListeningTestServer, type TestServer } from "../helpers/fixture.js";
import { CHROMIUM, chromiumSkip } from "../helpers/services.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { waitFor } from "../helpers/wait.js";

const skip = chromiumSkip();
const TOKEN = "dashboard-token";
const OUT = join(REPO_ROOT, "test-output");
const XSS_IMG = `${FIXTURE_INSULT} <img src=x onerror="window.__xss=1">`;
const XSS_SCRIPT = `<script>window.__xss=2</script> ${FIXTURE_INSULT}`;

describe("the dashboard in Chromium", { skip }, () => {
  let server: TestServer & { url: string };
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    server = await startListeningTestServer({ adminToken: TOKEN, config: { monitoring: { windowSize: 20, minMessages: 5 }, review: { randomShare: 0.25 } } });
    const post = (body: unknown): Promise<Response> => fetch(`${server.url}/v1/classify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (let i = 0; i < 120; i++) await post({ text: i % 3 === 0 ? FIXTURE_FRIENDLY : `${FIXTURE_INSULT} ${i}` });
    await post({ text: XSS_IMG, id: "xss-img" });
    await post({ text: XSS_SCRIPT, id: "xss-script" });
    await waitFor("the review queue filled", async () => (await server.store.listReviewQueue(5)).length >= 5, 5);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("loads without console errors and draws its charts", async () => {
    await page.goto(server.url);
    await page.waitForSelector("#chart-traffic canvas");
    await page.waitForFunction(() => document.querySelector("#model")!.textContent!.startsWith("model m-"));
    const size = await page.$eval("#chart-latency canvas", (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    assert.ok(size[0]! > 200 && size[1]! > 100, `canvas ${size}`);
    assert.match(await page.textContent("#totals") ?? "", /messages, last 15 min/);
    await page.screenshot({ path: join(OUT, "dashboard-overview.png"), fullPage: true });
    assert.ok(statSync(join(OUT, "dashboard-overview.png")).size > 10_000);
    assert.deepEqual(problems, []);
  });

  it("shows <img onerror> and <script> in messages as text, and never runs them", async () => {
    await page.fill("#token", TOKEN);
    await page.press("#token", "Enter");
    await page.click('nav button[data-tab="review"]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll("#queue .text")).some((e) => e.textContent!.includes("<img src=x")));
    const texts = await page.$$eval("#queue .text", (els) => els.map((e) => e.textContent));
    assert.ok(texts.some((t) => t!.includes('<img src=x onerror="window.__xss=1">')));
    assert.ok(texts.some((t) => t!.includes("<script>window.__xss=2</script>")));
    assert.equal(await page.$$eval("#queue img, #queue script", (els) => els.length), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  });

  it("shows the review queue with highlighted words, and records labels by click and by key", async () => {
    await page.waitForSelector("#queue li[data-id] mark");
    const first = await page.getAttribute("#queue li[data-id]", "data-id");
    await page.click('#queue li[data-id] button[data-label="1"]');
    await waitFor("the click's feedback stored", async () => (await server.store.listFeedback(10)).some((f) => f.id === first && f.label === 1), 5);
    await page.waitForFunction((id) => !document.querySelector(`#queue li[data-id="${id}"]`), first);
    const next = await page.getAttribute("#queue li[data-id]", "data-id");
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("0");
    await waitFor("the key's feedback stored", async () => (await server.store.listFeedback(10)).some((f) => f.id === next && f.label === 0), 5);
    await page.screenshot({ path: join(OUT, "dashboard-review.png"), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it("draws quality per language over time, calibration against the labels just given, and each category's estimated share of the traffic", async () => {
    await page.click('nav button[data-tab="quality"]');
    await page.waitForSelector("#chart-quality-lang canvas");
    await page.waitForSelector("#chart-calibration canvas");
    // The shipped model's profile is beside it, so the estimate shows beside the validation share.
    await page.waitForFunction(() => /abusive\d+\.\d%\d+\.\d%/.test(document.querySelector("#base-rates")!.textContent!));
    const monitor = (await (await fetch(`${server.url}/v1/monitor?window=1h`)).json()) as { quality: { calibration: Array<{ labelled: number }> } };
    assert.ok(monitor.quality.calibration.reduce((a, c) => a + c.labelled, 0) >= 2, "the labels from the queue are in the calibration bins");
    assert.deepEqual(problems, []);
  });

  it("shows the loop: reviews waiting, labels by language and reason, precision on the random sample, the last retrain", async () => {
    // Label every message drawn at random, as reviewers would, and record a retrain.
    const random = (await server.store.listReviewQueue(200)).filter((p) => p.review === "random");
    assert.ok(random.length >= 5, `${random.length} messages drawn at random`);
    for (const p of random) await server.store.insertFeedback({ id: p.id, label: p.text!.includes("thank") ? 0 : 1, ts: Date.now(), reviewer: "browser-test", category: null });
    const claim = await server.store.claimRetrain("alert:language_js", Date.now(), 60_000);
    await server.store.finishRetrain(claim.id, { state: "failed", candidate: null, gate: null, experiment: null, message: "failed: only 7 new labels with text <b>bold</b>" }, Date.now());
    await page.click('nav button[data-tab="loop"]');
    await page.waitForFunction(() => document.querySelectorAll("#loop-retrains tr").length > 1);
    const cards = await page.textContent("#loop-cards");
    assert.match(cards ?? "", /reviews waiting/);
    assert.match(cards ?? "", new RegExp(`${random.length + 2}\\s*labels gathered`));
    assert.match((await page.textContent("#loop-quality")) ?? "", /^language.*all\d\.\d{3} \(\d\.\d{3}–\d\.\d{3}, n \d+\)/s);
    assert.match((await page.textContent("#loop-labels")) ?? "", /en/);
    // The retrain's message is shown as text, never as HTML.
    assert.match((await page.textContent("#loop-last")) ?? "", /<b>bold<\/b>/);
    assert.equal(await page.$$eval("#loop-last b", (els) => els.length), 0);
    await page.screenshot({ path: join(OUT, "dashboard-loop.png"), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it("lays out at a phone's width without sideways scrolling, on every tab", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    for (const tab of ["overview", "quality", "drift", "loop", "experiments", "models", "review"]) {
      await page.click(`nav button[data-tab="${tab}"]`);
      await page.waitForTimeout(150);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${tab}: ${overflow}px too wide`);
    }
    await page.click('nav button[data-tab="overview"]');
    await page.screenshot({ path: join(OUT, "dashboard-phone.png"), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
