import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadWordListFilter, loadWordListFilters, type WordListFilter } from "../../src/eval/wordlists.js";

describe("word-list filters", () => {
  let filters: WordListFilter[] = [];
  let missing: string[] = [];
  before(async () => {
    ({ filters, missing } = await loadWordListFilters());
  });

  it("loads at least 4 of the installed devDependency filters, each with a version", () => {
    assert.ok(filters.length >= 4, `loaded ${filters.map((f) => f.name).join(", ")}; missing ${missing.join(", ")}`);
    for (const f of filters) assert.match(f.version, /^\d+\.\d+\.\d+/, `${f.name} version ${f.version}`);
    assert.deepEqual(new Set([...filters.map((f) => f.name), ...missing]).size, filters.length + missing.length);
  });

  it("every filter flags an obviously profane English sentence", () => {
    for (const f of filters) assert.equal(f.flag("you are a fucking idiot"), true, f.name);
  });

  it("no filter flags a friendly sentence", () => {
    for (const f of filters) assert.equal(f.flag("have a lovely day"), false, f.name);
  });

  it("loads one filter by name, the same as in the whole set, and none for a name it does not know", async () => {
    const one = await loadWordListFilter("obscenity");
    assert.ok(one, "obscenity (a devDependency) is installed");
    assert.equal(one.version, filters.find((f) => f.name === "obscenity")?.version);
    assert.equal(one.flag("you are a fucking idiot"), true);
    assert.equal(await loadWordListFilter("no-such-filter"), null);
  });
});
