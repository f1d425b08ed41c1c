/**
 * One word-list filter (src/eval/wordlists.ts) over a JSONL file the way `warden classify
 * --threads 1` goes over it: lines streamed in, each parsed, its text checked, the input
 * line written back with the answer spliced in, in batches. Run by bench/cli.ts as a
 * child process, so that both are timed from spawn to exit on the same messages.
 *
 *   node dist/bench/wordlist-child.js <filter name> <input.jsonl> <output> <max lines>
 */
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { loadWordListFilter } from "../src/eval/wordlists.js";

const [name, input, output, maxLines] = process.argv.slice(2);
// Only this filter: loading every list of every filter would count into its time.
const filter = name ? await loadWordListFilter(name) : null;
if (!filter || !input || !output) throw new Error(`usage: wordlist-child <installed word-list filter> <input> <output> <max lines>; got ${JSON.stringify(name)}`);
const limit = Number(maxLines ?? Infinity);
const out = createWriteStream(output);
let lines = 0;
let batch = "";
for await (const line of createInterface({ input: createReadStream(input), crlfDelay: Infinity })) {
  if (lines++ >= limit) break;
  const { text } = JSON.parse(line) as { text: string };
  batch += `${line.slice(0, -1)},"flagged":${filter.flag(text)}}\n`;
  if (lines % 1024 === 0) {
    if (!out.write(batch)) await once(out, "drain");
    batch = "";
  }
}
out.end(batch);
await once(out, "finish");
