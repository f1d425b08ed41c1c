/**
 * The deletion test of explanations: for each message the model flags, delete the span
 * the explanation ranks first and, separately, a random span of the same length; the
 * explanation is faithful for that message when deleting its top span lowers the score
 * more. Reported per dataset as the share of flagged messages where it did. An
 * explanation describes the score of the stage that answered, so the edited messages are
 * scored by that stage too (the cascade could otherwise hand an edit to the other one).
 */
import { readExamples, type DatasetFile } from "../data/datasets.js";
import { STAGE_SECOND, type Engine } from "../engine/engine.js";
import { topCategory } from "../engine/policy.js";
import { hashString } from "../features/hash.js";

export interface DeletionRow {
  readonly dataset: string;
  readonly lang: string;
  /** Flagged messages with room for a random span of the top span's length beside it. */
  readonly n: number;
  /** Share where deleting the top span lowered the score more than a random span. */
  readonly faithful: number;
  /** Mean score drops (probability points). */
  readonly meanTopDrop: number;
  readonly meanRandomDrop: number;
}

/** Delete a span, leaving a space so that the words on either side are not glued into a new one. */
const without = (text: string, start: number, end: number): string => `${text.slice(0, start)} ${text.slice(end)}`;

/** A seeded random start for a span of `length` that does not overlap [top.start, top.end), or null if none fits. */
function randomStart(text: string, length: number, top: { start: number; end: number }): number | null {
  // Starts in [0, top.start - length] ∪ [top.end, text.length - length].
  const before = Math.max(0, top.start - length + 1);
  const after = Math.max(0, text.length - length - top.end + 1);
  if (before + after === 0) return null;
  const k = hashString(text, 0xde1e7e) % (before + after);
  return k < before ? k : top.end + (k - before);
}

export function deletionTest(engine: Engine, files: readonly DatasetFile[], limit = 1000): DeletionRow[] {
  return files.map((file) => {
    const examples = readExamples(file).slice(0, limit);
    let n = 0;
    let faithful = 0;
    let topDrop = 0;
    let randomDrop = 0;
    for (const { text } of examples) {
      const r = engine.classify(text, { explain: true });
      const top = r.explanation?.[0];
      if (!r.flagged || !top) continue;
      const length = top.end - top.start;
      const start = randomStart(text, length, top);
      if (start === null) continue; // no other span of that length to compare with
      // The explained category is the one that decided: the most probable flagged one.
      const category = topCategory(r.categories)!;
      const stages = r.stage === STAGE_SECOND ? "second" : "first";
      const scoreOf = (t: string): number => engine.classify(t, { stages }).categories[category] ?? 0;
      const base = r.categories[category]!;
      const dTop = base - scoreOf(without(text, top.start, top.end));
      const dRandom = base - scoreOf(without(text, start, start + length));
      n++;
      if (dTop > dRandom) faithful++;
      topDrop += dTop;
      randomDrop += dRandom;
    }
    return { dataset: file.name, lang: file.lang ?? examples[0]?.lang ?? "unknown", n, faithful: n ? faithful / n : 0, meanTopDrop: n ? topDrop / n : 0, meanRandomDrop: n ? randomDrop / n : 0 };
  });
}

export function deletionMarkdown(rows: readonly DeletionRow[], command: string): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const pts = (x: number): string => (100 * x).toFixed(1);
  const total = rows.reduce((a, r) => a + r.n, 0);
  const pooled = rows.reduce((a, r) => a + r.faithful * r.n, 0) / Math.max(1, total);
  return [
    "### Deletion test of the explanations",
    "",
    "For each message the model flags, the span its explanation ranks first is deleted (replaced by a space), and separately a random span of the same length elsewhere in the message (not overlapping it; messages with no room for one are left out); the explanation passes for that message when deleting its top span lowers the probability of the category that decided more. The edited messages are scored by the stage that answered the original (an explanation describes that stage's score). A faithful explanation points at what the score really rests on.",
    "",
    `Produced by: \`${command}\``,
    "",
    "| dataset | lang | flagged messages | top span beats a random span | mean score drop, top span (points) | mean score drop, random span (points) |",
    "|---|---|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.dataset} | ${r.lang} | ${r.n} | ${r.n ? pct(r.faithful) : "–"} | ${pts(r.meanTopDrop)} | ${pts(r.meanRandomDrop)} |`),
    `| **all** | | ${total} | **${pct(pooled)}** | | |`,
    "",
  ].join("\n");
}
