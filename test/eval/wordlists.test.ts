import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadWordListFilters, type WordListFilter } from "../../src/eval/wordlists.js";

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
});
