import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { StepCache } from "../../src/pipeline/cache.js";
import { codeFingerprint } from "../../src/pipeline/fingerprint.js";
import { StepRunner, canonicalJson, stepKey, type Step, type StepOutput } from "../../src/pipeline/runner.js";

const dirs: string[] = [];
function cacheDir(): string {
  const d = mkdtempSync(join(tmpdir(), "warden-runner-"));
  dirs.push(d);
  return d;
}

/** A chain a → b → c; `runs` counts how often each step really ran. */
function chain(runner: StepRunner, params: { a: number; b: number }, runs: Record<string, number>) {
  const step = (name: string, p: unknown, inputs: Record<string, string>, out: () => string): Step => ({
    name,
    version: 1,
    code: "runner-test",
    params: p,
    inputs,
    run: () => {
      runs[name] = (runs[name] ?? 0) + 1;
      return Buffer.from(out());
    },
  });
  return (async () => {
    const a = await runner.run(step("a", { n: params.a }, {}, () => `a${params.a}`));
    // b's output ignores a's value beyond its parity: a change in a can leave b's bytes alone
    const b = await runner.run(step("b", { m: params.b }, { a: a.sha256 }, () => `b${params.a % 2}${params.b}`));
    const c: StepOutput = await runner.run(step("c", {}, { b: b.sha256 }, () => `c(${b.payload.toString()})`));
    return c.payload.toString();
  })();
}

describe("step runner", () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("reuses every step when nothing changed", async () => {
    const dir = cacheDir();
    const runs: Record<string, number> = {};
    assert.equal(await chain(new StepRunner({ cacheDir: dir }), { a: 1, b: 1 }, runs), "c(b11)");
    const again = new StepRunner({ cacheDir: dir });
    assert.equal(await chain(again, { a: 1, b: 1 }, runs), "c(b11)");
    assert.deepEqual(again.cachedSteps, ["a", "b", "c"]);
    assert.deepEqual(runs, { a: 1, b: 1, c: 1 });
  });

  it("reruns a step whose params changed, and downstream only where its output changed", async () => {
    const dir = cacheDir();
    const runs: Record<string, number> = {};
    await chain(new StepRunner({ cacheDir: dir }), { a: 1, b: 1 }, runs);
    const changedB = new StepRunner({ cacheDir: dir });
    assert.equal(await chain(changedB, { a: 1, b: 2 }, runs), "c(b12)");
    assert.deepEqual(changedB.cachedSteps, ["a"]);
    // a changes, b reruns and gives the same bytes (same parity), so c is reused
    const changedA = new StepRunner({ cacheDir: dir });
    assert.equal(await chain(changedA, { a: 3, b: 2 }, runs), "c(b12)");
    assert.deepEqual(changedA.cachedSteps, ["c"]);
    assert.deepEqual(runs, { a: 2, b: 3, c: 2 });
  });

  it("never trusts a missing, truncated, corrupt or misplaced entry", async () => {
    const dir = cacheDir();
    const cache = new StepCache(dir);
    await cache.put("k1", Buffer.from("payload one"), { step: "x" });
    assert.equal(((await cache.get("k1")) as { payload: Buffer }).payload.toString(), "payload one");
    assert.equal(await cache.get("nope"), "missing");
    const bytes = readFileSync(join(dir, "k1"));
    writeFileSync(join(dir, "k2"), bytes); // a copy under another key
    assert.equal(await cache.get("k2"), "corrupt");
    bytes[bytes.length - 40]! ^= 1; // a flipped payload bit
    writeFileSync(join(dir, "k1"), bytes);
    assert.equal(await cache.get("k1"), "corrupt");
    assert.deepEqual(readdirSync(dir), [], "bad entries are removed");
    await cache.put("k3", Buffer.from("payload three"), { step: "x" });
    writeFileSync(join(dir, "k3"), readFileSync(join(dir, "k3")).subarray(0, 20)); // truncated
    assert.equal(await cache.get("k3"), "corrupt");
  });

  it("recomputes a step whose cached output fails its checksum", async () => {
    const dir = cacheDir();
    const runs: Record<string, number> = {};
    await chain(new StepRunner({ cacheDir: dir }), { a: 1, b: 1 }, runs);
    const file = readdirSync(dir).find((n) => readFileSync(join(dir, n)).includes('"step":"b"'))!;
    const bytes = readFileSync(join(dir, file));
    bytes[bytes.length - 33]! ^= 1;
    writeFileSync(join(dir, file), bytes);
    const lines: string[] = [];
    const logged = new StepRunner({ cacheDir: dir, log: (l) => lines.push(l) });
    assert.equal(await chain(logged, { a: 1, b: 1 }, runs), "c(b11)");
    assert.deepEqual(logged.cachedSteps, ["a", "c"]);
    assert.ok(lines.includes("step b: running (its cached output failed the checksum)"), lines.join("\n"));
  });

  it("writes atomically and removes temporary files of runs that died", async () => {
    const dir = cacheDir();
    writeFileSync(join(dir, "abc.tmp-999999999-00ff00ff"), "partial output of a killed run");
    writeFileSync(join(dir, `def.tmp-${process.pid}-00ff00ff`), "a live run's temporary file");
    const runner = new StepRunner({ cacheDir: dir });
    await runner.run({ name: "s", version: 1, code: "runner-test", params: {}, inputs: {}, run: () => Buffer.alloc(1 << 20, 7) });
    const names = readdirSync(dir);
    assert.ok(!names.includes("abc.tmp-999999999-00ff00ff"), "the dead run's temporary file is gone");
    assert.ok(names.includes(`def.tmp-${process.pid}-00ff00ff`), "a live process's file is left alone");
    assert.equal(names.filter((n) => !n.includes(".tmp-")).length, 1);
  });

  it("asks a step whose output stands for an effect whether the effect is still there", async () => {
    const dir = cacheDir();
    let present = true;
    let ran = 0;
    const step = (): Step => ({
      name: "register",
      version: 1,
      code: "runner-test",
      params: {},
      inputs: {},
      run: () => Buffer.from(String(++ran)),
      isStillValid: async () => present,
    });
    await new StepRunner({ cacheDir: dir }).run(step());
    await new StepRunner({ cacheDir: dir }).run(step());
    assert.equal(ran, 1);
    present = false;
    await new StepRunner({ cacheDir: dir }).run(step());
    assert.equal(ran, 2);
  });

  it("keys on name, version, code, params and inputs; params in any key order", () => {
    const base = { name: "s", version: 1, code: "runner-test", params: { a: 1, b: { c: 2, d: 3 } }, inputs: { x: "00" } };
    const key = stepKey(base);
    assert.equal(stepKey({ ...base, params: { b: { d: 3, c: 2 }, a: 1 } }), key);
    for (const other of [{ name: "t" }, { version: 2 }, { code: "other code" }, { params: { a: 2, b: { c: 2, d: 3 } } }, { inputs: { x: "01" } }]) {
      assert.notEqual(stepKey({ ...base, ...other }), key, JSON.stringify(other));
    }
    assert.equal(canonicalJson({ z: 1, a: [{ y: 1, b: 2 }] }), '{"a":[{"b":2,"y":1}],"z":1}');
  });

  it("retries a step that fails for a moment, and fails fast on a real error", async () => {
    const dir = cacheDir();
    let attempts = 0;
    const flaky = new StepRunner({ cacheDir: dir, retry: { baseMs: 1 } });
    const out = await flaky.run({
      name: "flaky",
      version: 1,
      code: "runner-test",
      params: {},
      inputs: {},
      run: () => {
        if (++attempts < 3) throw Object.assign(new Error("resource busy"), { code: "EBUSY" });
        return Buffer.from("ok");
      },
    });
    assert.equal(out.payload.toString(), "ok");
    assert.equal(attempts, 3);
    let broken = 0;
    await assert.rejects(
      flaky.run({ name: "broken", version: 1, code: "runner-test", params: {}, inputs: {}, run: () => {
        broken++;
        throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      } }),
      /no such file/,
    );
    assert.equal(broken, 1);
  });

  it("fingerprints code by the content of a module and everything it imports, wherever it lives", () => {
    const tree = (b: string): string => {
      const dir = cacheDir();
      writeFileSync(join(dir, "a.js"), 'import { b } from "./b.js";\nexport const a = () => b;\n');
      writeFileSync(join(dir, "b.js"), `export const b = ${b};\n`);
      writeFileSync(join(dir, "unrelated.js"), `export const u = ${Math.random()};\n`);
      return pathToFileURL(join(dir, "a.js")).href;
    };
    const one = codeFingerprint(tree("1"));
    assert.equal(codeFingerprint(tree("1")), one, "the same code elsewhere");
    assert.notEqual(codeFingerprint(tree("2")), one, "an imported module changed");
  });
});
