/**
 * The one-sentence, plain-language reason beside an explanation, for a reviewer or a
 * compliance officer: what was decided, for which category, because of which words of
 * the message, and how the message tried to hide them.
 */
import type { Action } from "./policy.js";
import type { Span } from "./explain.js";
import type { EvasionSignals } from "../text/normalize.js";

/** What each kind of hiding the normalizer undid looks like to a reader. */
const HIDING: ReadonlyArray<[keyof EvasionSignals, string]> = [
  ["split", "spread letters apart with spaces or symbols"],
  ["joined", "ran words together"],
  ["confusable", "used look-alike letters from other alphabets"],
  ["leet", "wrote letters as digits or symbols"],
  ["invisible", "hid invisible characters between letters"],
  ["stretched", "stretched letters"],
  ["marks", "piled accents on letters"],
  ["mojibake", "arrived with broken encoding (repaired before reading)"],
];

function quoteList(words: readonly string[]): string {
  const q = words.map((w) => `"${w}"`);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

export function reasonFor(action: Action, category: string, score: number, spans: readonly Span[], signals: EvasionSignals): string {
  const pct = `${Math.round(score * 100)}%`;
  if (action === "allow") return `Allowed: no category reached its threshold (highest: ${category}, ${pct}).`;
  const verdict = action === "block" ? `Blocked as ${category} (${pct})` : `Sent to review as possibly ${category} (${pct})`;
  // The words that carried the decision: at most three, each at least a quarter of the
  // strongest one's weight (a long tail of small pushes is not a reason), each named once.
  const strongest = spans[0]?.weight ?? 0;
  const words = [...new Set(spans.filter((s) => s.weight >= strongest / 4).slice(0, 3).map((s) => s.text.replace(/\s+/g, " ").trim()).filter(Boolean))];
  const because = words.length > 0 ? `, mostly because of ${quoteList(words)}` : ", from the message as a whole rather than particular words";
  const hiding = HIDING.filter(([k]) => signals[k] > 0).map(([, phrase]) => phrase);
  const hid = hiding.length > 0 ? `; the text ${hiding.length > 1 ? `${hiding.slice(0, -1).join(", ")} and ${hiding[hiding.length - 1]}` : hiding[0]}` : "";
  return `${verdict}${because}${hid}.`;
}
