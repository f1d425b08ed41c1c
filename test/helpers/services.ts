/**
 * The real Redis and PostgreSQL of the machine, for tests that need them. Outside CI a
 * service that does not answer skips those tests with a printed reason; under CI=true
 * (where .ci/run starts both) it fails them.
 */
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import pg from "pg";

export const REDIS_URL = process.env.WARDEN_TEST_REDIS ?? "redis://127.0.0.1:6379";
export const POSTGRES_URL = process.env.WARDEN_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function skipUnless(service: string, probe: () => Promise<void>): Promise<string | false> {
  try {
    await probe();
    return false;
  } catch (err) {
    const reason = `${service} does not answer (${(err as Error).message})`;
    if (process.env.CI === "true") throw new Error(`${reason}; CI must not skip these tests.`);
    console.log(`# skipping: ${reason}`);
    return reason;
  }
}

export function redisSkip(): Promise<string | false> {
  return skipUnless(`Redis at ${REDIS_URL}`, async () => {
    const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      await r.ping();
    } finally {
      r.disconnect();
    }
  });
}

export function postgresSkip(): Promise<string | false> {
  return skipUnless(`PostgreSQL at ${POSTGRES_URL}`, async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
  });
}

export const CHROMIUM = process.env.WARDEN_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Debian's Chromium for the dashboard's browser tests (never a downloaded browser). */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const reason = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env.CI === "true") throw new Error(`${reason}; CI must not skip these tests.`);
  console.log(`# skipping: ${reason}`);
  return reason;
}
