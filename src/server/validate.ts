/**
 * Request validation for the public API. Each failure is a WardenError whose code and
 * message tell the caller what was wrong and how to fix it.
 */
import type { LimitsConfig } from "../config.js";
import { DEFAULT_GUARDRAILS, type Guardrails } from "../experiments/decision.js";
import { WardenError } from "../errors.js";

export interface SingleRequest {
  readonly kind: "single";
  readonly text: string;
  readonly id?: string;
  readonly user?: string;
  readonly deadlineMs?: number;
  /** Explanations for every answer (true), or only for flagged ones (the default). */
  readonly explain?: boolean;
}
export interface BatchRequest {
  readonly kind: "batch";
  readonly texts: string[];
  readonly deadlineMs?: number;
  /** Explanations for every answer (true), or only for flagged ones (the default). */
  readonly explain?: boolean;
}
export type ClassifyRequest = SingleRequest | BatchRequest;

const LONE_SURROGATE = /[\ud800-\udfff]/u;
/** Anything but whitespace, control and format (zero-width, bidi, BOM) characters. */
const VISIBLE = /[^\s\p{Cc}\p{Cf}]/u;
const MAX_ID_LENGTH = 200;

/** Check one text; `where` names it in the message ("text" or "texts[3]"). */
export function checkText(value: unknown, where: string, limits: LimitsConfig): string {
  if (typeof value !== "string") {
    throw new WardenError("INVALID_TEXT", `${where} must be a string. Got ${value === null ? "null" : typeof value}.`);
  }
  if (!VISIBLE.test(value)) throw new WardenError("EMPTY_TEXT", `${where} is empty; send at least one visible character.`);
  if (value.length > limits.maxTextLength) {
    throw new WardenError(
      "TEXT_TOO_LONG",
      `${where} has ${value.length} characters; the limit is ${limits.maxTextLength}. Split the text or raise limits.maxTextLength.`,
    );
  }
  const m = LONE_SURROGATE.exec(value);
  if (m) throw new WardenError("INVALID_TEXT", `${where} contains a lone surrogate (invalid UTF-16) at index ${m.index}.`);
  return value;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_ID_LENGTH) {
    throw new WardenError("BAD_REQUEST", `${key} must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`);
  }
  return v;
}

function optionalDeadline(body: Record<string, unknown>): number | undefined {
  const v = body.deadline_ms;
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new WardenError("BAD_REQUEST", `deadline_ms must be a positive number of milliseconds. Got ${JSON.stringify(v)}.`);
  }
  return v;
}

export function parseClassifyRequest(body: unknown, limits: LimitsConfig): ClassifyRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WardenError("BAD_REQUEST", 'the body must be a JSON object with "text" (a string) or "texts" (an array of strings).');
  }
  const b = body as Record<string, unknown>;
  const deadlineMs = optionalDeadline(b);
  if (b.explain !== undefined && typeof b.explain !== "boolean") throw new WardenError("BAD_REQUEST", `"explain" must be true or false. Got ${JSON.stringify(b.explain)}.`);
  const explain = b.explain === undefined ? {} : { explain: b.explain };
  if (b.texts !== undefined) {
    if (b.text !== undefined) throw new WardenError("BAD_REQUEST", 'send either "text" or "texts", not both.');
    if (!Array.isArray(b.texts)) throw new WardenError("BAD_REQUEST", '"texts" must be an array of strings.');
    if (b.texts.length === 0) throw new WardenError("BAD_REQUEST", '"texts" is empty; send at least one text.');
    if (b.texts.length > limits.maxBatch) {
      throw new WardenError("BATCH_TOO_LARGE", `"texts" has ${b.texts.length} items; the limit is ${limits.maxBatch}. Split the batch.`);
    }
    const texts = b.texts.map((t, i) => checkText(t, `texts[${i}]`, limits));
    return { kind: "batch", texts, ...(deadlineMs !== undefined ? { deadlineMs } : {}), ...explain };
  }
  if (b.text === undefined) throw new WardenError("INVALID_TEXT", 'missing "text": send {"text": "..."} or {"texts": [...]}.');
  const text = checkText(b.text, "text", limits);
  const id = optionalString(b, "id");
  const user = optionalString(b, "user");
  return {
    kind: "single",
    text,
    ...(id !== undefined ? { id } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...explain,
  };
}

export function parseFeedback(body: unknown): { id: string; label: 0 | 1; reviewer: string | null; category: string | null } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WardenError("BAD_REQUEST", 'the body must be a JSON object {"id": string, "label": 0 | 1}.');
  }
  const b = body as Record<string, unknown>;
  const id = optionalString(b, "id");
  if (id === undefined) throw new WardenError("BAD_REQUEST", '"id" is required: the id of the classification being labelled.');
  if (b.label !== 0 && b.label !== 1) throw new WardenError("BAD_REQUEST", `"label" must be 0 or 1. Got ${JSON.stringify(b.label)}.`);
  const reviewer = optionalString(b, "reviewer") ?? null;
  if (reviewer !== null && reviewer.length > 200) throw new WardenError("BAD_REQUEST", '"reviewer", when given, must be at most 200 characters.');
  const category = optionalString(b, "category") ?? null;
  if (category !== null && !/^[a-z][a-z0-9_]{0,31}$/.test(category)) throw new WardenError("BAD_REQUEST", '"category", when given, must be a category name such as "abusive".');
  return { id, label: b.label, reviewer, category };
}

/** POST /v1/admin/experiments: {"name", "challenger", "mode": "ab" | "shadow", "traffic"?: (0, 1]}. */
export function parseExperimentStart(body: unknown): { name: string; challenger: string; mode: "ab" | "shadow"; traffic: number; guardrails?: Partial<Guardrails> } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WardenError("BAD_REQUEST", 'the body must be a JSON object {"name", "challenger", "mode": "ab" | "shadow", "traffic"}.');
  }
  const b = body as Record<string, unknown>;
  const name = optionalString(b, "name");
  if (name === undefined || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new WardenError("BAD_REQUEST", '"name" is required: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
  }
  const challenger = optionalString(b, "challenger");
  if (challenger === undefined) throw new WardenError("BAD_REQUEST", '"challenger" is required: the model version to test against the champion.');
  if (b.mode !== "ab" && b.mode !== "shadow") throw new WardenError("BAD_REQUEST", '"mode" must be "ab" or "shadow".');
  const traffic = b.traffic ?? (b.mode === "ab" ? 0.5 : 1);
  if (typeof traffic !== "number" || !(traffic > 0 && traffic <= 1)) throw new WardenError("BAD_REQUEST", '"traffic" must be a number in (0, 1]: the challenger\'s share.');
  const guardrails = parseGuardrails(b.guardrails);
  return { name, challenger, mode: b.mode, traffic, ...(guardrails ? { guardrails } : {}) };
}

function parseGuardrails(value: unknown): Partial<Guardrails> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new WardenError("BAD_REQUEST", '"guardrails" must be an object.');
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(key in DEFAULT_GUARDRAILS)) throw new WardenError("BAD_REQUEST", `unknown guardrail "${key}"; known: ${Object.keys(DEFAULT_GUARDRAILS).join(", ")}.`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new WardenError("BAD_REQUEST", `guardrail "${key}" must be a number >= 0.`);
    out[key] = v;
  }
  return out as Partial<Guardrails>;
}
