import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRANSIENT_CODES, isTransient, retryTransient } from "../../src/pipeline/retry.js";

const fail = (code: string): Error => Object.assign(new Error(code), { code });

describe("retryTransient", () => {
  it("retries transient I/O errors with exponential backoff", async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await retryTransient(
      () => {
        if (++calls < 4) throw fail(["EBUSY", "EAGAIN", "EMFILE"][calls - 1]!);
        return 42;
      },
      { baseMs: 1, onRetry: (_e, _a, d) => delays.push(d) },
    );
    assert.equal(value, 42);
    assert.deepEqual(delays, [1, 2, 4]);
  });

  it("fails fast on anything else", async () => {
    let calls = 0;
    await assert.rejects(
      retryTransient(() => {
        calls++;
        throw fail("ENOENT");
      }),
      /ENOENT/,
    );
    assert.equal(calls, 1);
    await assert.rejects(retryTransient(() => Promise.reject(new TypeError("bug"))), TypeError);
  });

  it("gives up after the last attempt with the last error", async () => {
    let calls = 0;
    await assert.rejects(
      retryTransient(
        () => {
          calls++;
          throw fail("EIO");
        },
        { attempts: 3, baseMs: 1 },
      ),
      /EIO/,
    );
    assert.equal(calls, 3);
  });

  it("knows the transient codes", () => {
    for (const code of ["EBUSY", "EAGAIN", "EMFILE", "ENFILE", "EIO", "ETIMEDOUT", "SQLITE_BUSY"]) assert.ok(TRANSIENT_CODES.has(code), code);
    assert.equal(isTransient(fail("EACCES")), false);
    assert.equal(isTransient(null), false);
  });
});
