/**
 * `warden classify`: JSONL in, JSONL out, streaming and in order. A bad line gives an
 * error line in its place and the run goes on. Lines go in batches to a classifier: this
 * thread's engine, or a pool of worker threads (classify-pool.ts) with the batches
 * written back in input order. Memory stays flat on any input size: a bounded number of
 * batches is in flight, and output waits for the writer to drain.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Engine } from "../engine/engine.js";

export interface ClassifyStreamResult {
  readonly lines: number;
  readonly errors: number;
}

/** A batch's answers: one JSONL line per input line, newline-terminated. */
export interface BatchResult {
  readonly out: string;
  readonly errors: number;
}

/** Classifies the lines numbered `first`, `first + 1`, … */
export type BatchClassifier = (lines: readonly string[], first: number) => BatchResult | Promise<BatchResult>;

export const BATCH_LINES = 256;

function classifyLine(engine: Engine, line: string, lineNo: number): { out: string; error: boolean } {
  // A blank line is not an input record, but keeping order means answering it too.
  if (line.trim() === "") return { out: JSON.stringify({ line: lineNo, error: "empty line" }), error: true };
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { out: JSON.stringify({ line: lineNo, error: "not valid JSON" }), error: true };
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    return { out: JSON.stringify({ line: lineNo, error: "not a JSON object" }), error: true };
  }
  const rec = obj as Record<string, unknown>;
  if (typeof rec.text !== "string") {
    return { out: JSON.stringify({ line: lineNo, error: 'missing string field "text"' }), error: true };
  }
  const r = engine.classify(rec.text);
  const answer = { score: r.score, flagged: r.flagged, action: r.action, categories: r.categories, lang: r.lang, model: r.model };
  // An input field the answer names is replaced: re-serialized, not spliced.
  if (Object.keys(answer).some((f) => Object.hasOwn(rec, f))) return { out: JSON.stringify({ ...rec, ...answer }), error: false };
  // The input's own bytes, with the answer's fields spliced in before its closing brace:
  // a parse-and-stringify round trip would change what the contract carries through
  // unchanged (ids past 2^53 lose digits, 1.0 becomes 1, escapes are rewritten).
  const body = line.trimEnd();
  return { out: `${body.slice(0, -1)},${JSON.stringify(answer).slice(1)}`, error: false };
}

/** A batch on this thread's engine (and on each pool worker's). */
export function classifyBatch(engine: Engine, lines: readonly string[], first: number): BatchResult {
  let errors = 0;
  let out = "";
  lines.forEach((line, k) => {
    const r = classifyLine(engine, line, first + k);
    if (r.error) errors++;
    out += r.out + "\n";
  });
  return { out, errors };
}

function write(stream: Writable, chunk: string): Promise<void> {
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.off("error", onError);
      resolve();
    };
    const onError = (err: Error): void => {
      stream.off("drain", onDrain);
      reject(err);
    };
    stream.once("drain", onDrain);
    stream.once("error", onError);
  });
}

/** `inFlight` batches may be classifying at once (1 for this thread's engine; more for a pool); answers are written in input order. */
export async function classifyStream(classify: BatchClassifier, input: Readable, output: Writable, inFlight = 1): Promise<ClassifyStreamResult> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  const queue: Array<Promise<BatchResult>> = [];
  let lineNo = 0;
  let errors = 0;
  let batch: string[] = [];
  const submit = (): void => {
    queue.push(Promise.resolve(classify(batch, lineNo - batch.length + 1)));
    batch = [];
  };
  const writeOldest = async (): Promise<void> => {
    const r = await queue.shift()!;
    errors += r.errors;
    await write(output, r.out);
  };
  try {
    for await (const line of rl) {
      lineNo++;
      batch.push(line);
      if (batch.length < BATCH_LINES) continue;
      submit();
      if (queue.length >= inFlight) await writeOldest();
    }
    if (batch.length > 0) submit();
    while (queue.length > 0) await writeOldest();
  } finally {
    // A failed batch leaves the rest unwritten: do not leave their rejections unhandled.
    for (const p of queue) p.catch(() => {});
  }
  return { lines: lineNo, errors };
}

export function openInput(path: string | undefined): Readable {
  return !path || path === "-" ? process.stdin : createReadStream(path);
}

export function openOutput(path: string | undefined): Writable {
  return !path || path === "-" ? process.stdout : createWriteStream(path);
}
