/**
 * Warm an engine up before it answers traffic. A freshly loaded engine answers its first
 * messages several times slower than it soon will: V8 has not compiled the hot paths
 * yet, and the lexicon builds its indexes and caches on first use. Ad hoc, a cold engine
 * took 432 µs a message over its first 500 real messages and about 110 µs from the
 * second thousand on; docs/benchmarks.md §8 compares a new server's first seconds under
 * load with and without this warm-up.
 *
 * The texts are built from the model's own lexicon (no data needed at serving time):
 * its most frequent words, half of them disguised by the attack suite's families that the
 * normalizer undoes (eval/attacks.ts), so that every path of normalization, language id,
 * both stages and explanations runs.
 * The work is cut into slices that yield to the event loop, so that warming a model
 * beside the one being served (a promotion) does not stall the requests in flight.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Engine } from "../engine/engine.js";
import { ATTACK_FAMILIES, attackWord } from "../eval/attacks.js";
import { mulberry32 } from "../model/shuffle.js";

/** Messages between yields: 1–2 ms of work (2,000 took 350 ms on a slow machine), the longest a request in flight waits for it. */
const SLICE = 8;
const VOCABULARY = 2000;
/** The disguises the normalizer undoes, as the attack suite writes them. */
const DISGUISES = ATTACK_FAMILIES.filter((f) => f.normalizable);

/** `count` deterministic messages of 3–14 words drawn from the lexicon's most frequent words, made as they are read (so a slice makes only its own). */
export function* warmUpTexts(engine: Engine, count: number): Generator<string> {
  const words = engine.model.lexicon.firstWords(VOCABULARY);
  const random = mulberry32(0x5eed);
  for (let i = 0; i < count; i++) {
    if (words.length === 0) {
      yield `message ${i}`;
      continue;
    }
    const length = 3 + Math.floor(random() * 12);
    yield Array.from({ length }, () => {
      const word = words[Math.floor(random() * words.length)]!;
      // half the words as written (a message is mostly plain words), half disguised
      return random() < 0.5 ? word : attackWord(word, DISGUISES[Math.floor(random() * DISGUISES.length)]!);
    }).join(" ");
  }
}

/** Run `engine` over the warm-up texts (explaining every other one), yielding to the event loop between slices. */
export async function warmUp(engine: Engine, messages: number): Promise<Engine> {
  let i = 0;
  for (const text of warmUpTexts(engine, messages)) {
    engine.classify(text, { explain: i % 2 === 0 });
    if (i++ % SLICE === SLICE - 1) await yieldToLoop();
  }
  return engine;
}
