/**
 * The one catalogue of Warden's errors: a code, the HTTP status it maps to, and a
 * message that names the value received and the fix.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_TEXT: 400,
  EMPTY_TEXT: 400,
  TEXT_TOO_LONG: 413,
  BATCH_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GATE_FAILED: 409,
  UNAUTHORIZED: 401,
  OVERLOADED: 503,
  NOT_READY: 503,
  MODEL_NOT_FOUND: 404,
  MODEL_CHECKSUM: 500,
  MODEL_FORMAT: 500,
  DATA_CONTRACT: 400,
  CONFIG_INVALID: 400,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class WardenError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "WardenError";
    this.code = code;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The body of every error answer of the HTTP API. */
export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}
