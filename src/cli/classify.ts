/**
 * `warden classify`: JSONL in, JSONL out, streaming and in order. A bad line gives an
 * error line in its place and the run goes on; memory stays flat on any input size
 * because lines are read one at a time and output waits for the writer to drain.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Engine } from "../engine/engine.js";

export interface ClassifyStreamResult {
  readonly lines: number;
  readonly errors: number;
}

const FLUSH_BYTES = 64 * 1024;

function classifyLine(engine: Engine, line: string, lineNo: number): { out: string; error: boolean } {
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
  return {
    out: JSON.stringify({ ...rec, score: r.score, flagged: r.flagged, action: r.action, categories: r.categories, lang: r.lang, model: r.model }),
    error: false,
  };
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

export async function classifyStream(engine: Engine, input: Readable, output: Writable): Promise<ClassifyStreamResult> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let errors = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  for await (const line of rl) {
    lineNo++;
    // A blank line is not an input record, but keeping order means answering it too.
    const { out, error } = line.trim() === "" ? { out: JSON.stringify({ line: lineNo, error: "empty line" }), error: true } : classifyLine(engine, line, lineNo);
    if (error) errors++;
    pending.push(out);
    pendingBytes += out.length;
    if (pendingBytes >= FLUSH_BYTES) {
      await write(output, pending.join("\n") + "\n");
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pending.length > 0) await write(output, pending.join("\n") + "\n");
  return { lines: lineNo, errors };
}

export function openInput(path: string | undefined): Readable {
  return !path || path === "-" ? process.stdin : createReadStream(path);
}

export function openOutput(path: string | undefined): Writable {
  return !path || path === "-" ? process.stdout : createWriteStream(path);
}
