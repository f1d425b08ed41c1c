/**
 * Warm an engine up before it answers traffic. A freshly loaded engine answers its first
 * messages several times slower than it soon will: V8 has not compiled the hot paths
 * yet, and the lexicon builds its indexes and caches on first use. Ad hoc, a cold engine
 * took 432 µs a message over its first 500 real messages and about 110 µs from the
 * second thousand on; docs/benchmarks.md §8 compares a new server's first seconds under
 * load with and without this warm-up.
 *
 * The texts are built from the model's own lexicon (no data needed at serving time):
 * its most frequent words, some of them disguised the ways the normalizer undoes, so
 * that every path of normalization, language id, both stages and explanations runs.
 * The work is cut into slices that yield to the event loop, so that warming a model
 * beside the one being served (a promotion) does not stall the requests in flight.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { mulberry32 } from "../model/shuffle.js";
import type { Engine } from "./engine.js";

const SLICE = 32;
const VOCABULARY = 2000;

const LEET: Record<string, string> = { a: "4", e: "3", i: "1", o: "0", s: "$", t: "7" };

/** One word as an evader might write it, or as it is (a message is mostly plain words). */
function disguise(word: string, draw: number): string {
  const letters = Array.from(word);
  if (letters.length < 3) return word;
  const inner = 1 + Math.floor(draw * 1000) % (letters.length - 2);
  switch (Math.floor(draw * 10)) {
    case 0:
      return letters.map((c) => LEET[c] ?? c).join("");
    case 1:
      return letters.map((c, k) => (k === inner ? "*" : c)).join("");
    case 2:
      return letters.join(" ");
    case 3:
      return letters.map((c, k) => (k === inner ? c.repeat(4) : c)).join("");
    case 4:
      return letters.join(".");
    default:
      return word;
  }
}

/** `count` deterministic messages of 3–14 words drawn from the lexicon's most frequent words. */
export function warmUpTexts(engine: Engine, count: number): string[] {
  const words = engine.model.lexicon
    .entries()
    .slice(0, VOCABULARY)
    .map(([w]) => w);
  if (words.length === 0) return Array.from({ length: count }, (_, i) => `message ${i}`);
  const random = mulberry32(0x5eed);
  return Array.from({ length: count }, () => {
    const length = 3 + Math.floor(random() * 12);
    return Array.from({ length }, () => disguise(words[Math.floor(random() * words.length)]!, random())).join(" ");
  });
}

/** Run `engine` over the warm-up texts (explaining every other one), yielding to the event loop between slices. */
export async function warmUp(engine: Engine, messages: number): Promise<Engine> {
  const texts = warmUpTexts(engine, messages);
  for (let i = 0; i < texts.length; i++) {
    engine.classify(texts[i]!, { explain: i % 2 === 0 });
    if (i % SLICE === SLICE - 1) await yieldToLoop();
  }
  return engine;
}
