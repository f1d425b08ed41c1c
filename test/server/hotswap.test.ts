/**
 * Hot swap under load: while clients keep classifying over real HTTP, the champion is
 * promoted and rolled back again and again; no admitted request fails, and answers move
 * from one model to the other.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config.js";
import { Engine } from "../../src/engine/engine.js";
import { deserializeModel } from "../../src/model/artifact.js";
import { EngineSlot } from "../../src/server/app.js";
import { FIXTURE_INSULT, fixtureArtifact, startListeningTestServer, trainFixtureModel } from "../helpers/fixture.js";

describe("hot swap under load", () => {
  it("fails no admitted request while the champion changes ten times", async () => {
    const server = await startListeningTestServer({ adminToken: "swap" });
    const dir = mkdtempSync(join(tmpdir(), "warden-swap-"));
    try {
      const second = await server.registry.register((await trainFixtureModel(dir, { seed: 3 })).artifact, { fixture: true });
      const statuses = new Map<number, number>();
      const versions = new Set<string>();
      let running = true;
      const client = async (k: number): Promise<void> => {
        for (let i = 0; running; i++) {
          const res = await fetch(`${server.url}/v1/classify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: `${FIXTURE_INSULT} ${k} ${i}` }) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) versions.add(((await res.json()) as { model: string }).model);
          else await res.text();
        }
      };
      const clients = Array.from({ length: 8 }, (_, k) => client(k));
      for (let swap = 0; swap < 10; swap++) {
        await new Promise((r) => setTimeout(r, 80));
        const path = swap % 2 === 0 ? `/v1/admin/models/${second.version}/promote` : "/v1/admin/models/rollback";
        const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: "Bearer swap" } });
        assert.equal(res.status, 200, await res.text());
      }
      await new Promise((r) => setTimeout(r, 80));
      running = false;
      await Promise.all(clients);
      const total = [...statuses.values()].reduce((a, b) => a + b, 0);
      const failed = [...statuses].filter(([s]) => s !== 200 && s !== 503).reduce((a, [, n]) => a + n, 0);
      console.log(`${total} requests during 10 swaps: ${JSON.stringify(Object.fromEntries(statuses))}`);
      assert.equal(failed, 0);
      assert.ok((statuses.get(200) ?? 0) > total * 0.9, "nearly all admitted");
      assert.deepEqual([...versions].sort(), [server.version, second.version].sort());
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("promotion through the admin API", () => {
  it("loads the promoted model once, although the champion follower sees the change too, and rolls back without loading", async () => {
    const loads: Array<string | undefined> = [];
    // A promoted model that takes 1.5 s to load, as a full-size one does on a slow machine: the follower ticks meanwhile.
    const onLoad = async (version: string | undefined): Promise<void> => {
      loads.push(version);
      if (version) await new Promise((r) => setTimeout(r, 1500));
    };
    const server = await startListeningTestServer({ adminToken: "once", onLoad });
    const dir = mkdtempSync(join(tmpdir(), "warden-once-"));
    try {
      const second = await server.registry.register((await trainFixtureModel(dir, { seed: 3 })).artifact, { fixture: true });
      const post = async (path: string): Promise<void> => {
        const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: "Bearer once" } });
        assert.equal(res.status, 200, await res.text());
      };
      await post(`/v1/admin/models/${second.version}/promote`);
      // the follower polls the store every second: it has seen the new champion while it loaded; let it look again
      await new Promise((r) => setTimeout(r, 1200));
      await post("/v1/admin/models/rollback");
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(server.context.slot.current.version, server.version);
      assert.deepEqual(loads, [undefined, second.version], "the first engine, then the promoted one: no second load of it, none for the rollback");
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("EngineSlot", () => {
  const engine = (version: string): Engine => new Engine({ version, model: deserializeModel(fixtureArtifact(), "fixture").model }, parseConfig({}).policy);

  it("loads a version asked for twice at once only once, changes one at a time in order, and rolls back without loading", async () => {
    const slot = new EngineSlot(engine("m-a"));
    const built: string[] = [];
    const build = async (version: string): Promise<Engine> => {
      built.push(version);
      await new Promise((r) => setTimeout(r, 20));
      return engine(version);
    };
    // the admin route and the champion follower ask for the same promotion
    const [first, second] = await Promise.all([slot.replace("m-b", build), slot.replace("m-b", build)]);
    assert.equal(first, second);
    assert.equal(slot.current.version, "m-b");
    assert.deepEqual(built, ["m-b"]);
    // a rollback swaps the replaced engine back in; asking for the serving version changes nothing
    const a = await slot.replace("m-a", build);
    assert.equal(a.version, "m-a");
    assert.equal(await slot.replace("m-a", build), a);
    assert.deepEqual(built, ["m-b"]);
    // changes asked back to back land in the order asked
    const order = await Promise.all([slot.replace("m-c", build), slot.replace("m-d", build), slot.replace("m-c", build)]);
    assert.deepEqual(order.map((e) => e.version), ["m-c", "m-d", "m-c"]);
    assert.equal(slot.current.version, "m-c");
    assert.deepEqual(built, ["m-b", "m-c", "m-d"]);
  });

  it("keeps serving the current engine when a load fails, and loads again when asked again", async () => {
    const slot = new EngineSlot(engine("m-a"));
    let fail = true;
    const build = async (version: string): Promise<Engine> => {
      if (fail) throw new Error("corrupt artifact");
      return engine(version);
    };
    await assert.rejects(slot.replace("m-b", build), /corrupt artifact/);
    assert.equal(slot.current.version, "m-a");
    fail = false;
    assert.equal((await slot.replace("m-b", build)).version, "m-b");
    assert.equal(slot.current.version, "m-b");
  });
});
