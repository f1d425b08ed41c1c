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
import type { Classification, Engine } from "../engine/engine.js";

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

/** Lines per batch: enough that the engine's stage-by-stage batch keeps its tables in the caches (classifyMany). */
export const BATCH_LINES = 1024;

type Answer = Pick<Classification, "score" | "flagged" | "action" | "categories" | "lang" | "model">;

/** A line's text to classify, or the error line that answers it instead. */
function parseLine(line: string, lineNo: number): { text: string; record: Record<string, unknown> } | { error: string } {
  // A blank line is not an input record, but keeping order means answering it too.
  if (line.trim() === "") return { error: JSON.stringify({ line: lineNo, error: "empty line" }) };
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { error: JSON.stringify({ line: lineNo, error: "not valid JSON" }) };
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    return { error: JSON.stringify({ line: lineNo, error: "not a JSON object" }) };
  }
  const record = obj as Record<string, unknown>;
  if (typeof record.text !== "string") return { error: JSON.stringify({ line: lineNo, error: 'missing string field "text"' }) };
  return { text: record.text, record };
}

/** The input line with the answer's fields added. */
function answerLine(line: string, record: Record<string, unknown>, r: Classification): string {
  const answer: Answer = { score: r.score, flagged: r.flagged, action: r.action, categories: r.categories, lang: r.lang, model: r.model };
  // An input field the answer names is replaced: re-serialized, not spliced.
  if (Object.keys(answer).some((f) => Object.hasOwn(record, f))) return JSON.stringify({ ...record, ...answer });
  // The input's own bytes, with the answer's fields spliced in before its closing brace:
  // a parse-and-stringify round trip would change what the contract carries through
  // unchanged (ids past 2^53 lose digits, 1.0 becomes 1, escapes are rewritten).
  const body = line.trimEnd();
  return `${body.slice(0, -1)},${JSON.stringify(answer).slice(1)}`;
}

/** A batch on this thread's engine (and on each pool worker's): its texts classified together. */
export function classifyBatch(engine: Engine, lines: readonly string[], first: number): BatchResult {
  const parsed = lines.map((line, k) => parseLine(line, first + k));
  const texts = parsed.flatMap((p) => ("text" in p ? [p.text] : []));
  const answers = engine.classifyMany(texts);
  let next = 0;
  let out = "";
  parsed.forEach((p, k) => {
    out += ("text" in p ? answerLine(lines[k]!, p.record, answers[next++]!) : p.error) + "\n";
  });
  return { out, errors: lines.length - texts.length };
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
