import assert from "node:assert/strict";

/** Poll `check` every 20 ms until it holds; the milliseconds it took, or a failure naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, seconds: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    if (await check()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  return assert.fail(`${what} within ${seconds} s`);
}
