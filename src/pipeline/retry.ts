/**
 * Retry what fails for a moment, fail fast on everything else.
 *
 *   const bytes = await retryTransient(() => readFile(path));
 *
 * A busy file, a full descriptor table or a locked SQLite database usually clears in
 * milliseconds; a missing file or a bug never does, and retrying it only hides it.
 */

/** Error codes that mean "try again shortly", not "this is wrong". */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "EAGAIN",
  "EBUSY",
  "EINTR",
  "EIO",
  "EMFILE",
  "ENFILE",
  "ETIMEDOUT",
  "ECONNRESET",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
]);

export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && TRANSIENT_CODES.has(code);
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly attempts?: number;
  /** Delay before the second attempt; it doubles after each failure. */
  readonly baseMs?: number;
  /** Told of each retry (to say why a run paused). */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY = { attempts: 5, baseMs: 100 } as const;

export async function retryTransient<T>(fn: () => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_RETRY.attempts;
  const baseMs = options.baseMs ?? DEFAULT_RETRY.baseMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || attempt >= attempts) throw err;
      const delayMs = baseMs * 2 ** (attempt - 1);
      options.onRetry?.(err, attempt, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
