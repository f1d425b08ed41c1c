/**
 * Answering a batch in one atomic step on the Redis server: for each entry, mark its id
 * answered (a key that expires after `ttl` seconds) and, only if it was not answered
 * before, append the answer to the output stream; then acknowledge every entry. A
 * worker killed at any moment leaves each entry either fully answered and acknowledged
 * or untouched and pending (another worker claims it): every id is answered exactly once.
 *
 * Per-id keys are built inside the script, so this needs a standalone Redis (or a
 * cluster where the streams and keys share a hash tag).
 */
import type { Redis, Result } from "ioredis";

const SCRIPT = `
local answered = 0
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  local id = ARGV[4 + i * 3]
  if redis.call('SET', KEYS[3] .. id, '1', 'NX', 'EX', ARGV[2]) then
    redis.call('XADD', KEYS[2], '*', 'id', id, 'result', ARGV[5 + i * 3])
    answered = answered + 1
  end
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[6 + i * 3])
end
return answered
`;

export interface Answer {
  /** The input's `id`, else its entry id. */
  readonly id: string;
  /** The result object as JSON. */
  readonly result: string;
  /** The input entry to acknowledge. */
  readonly entryId: string;
}

declare module "ioredis" {
  interface RedisCommander<Context> {
    wardenCommit(inStream: string, outStream: string, donePrefix: string, ...args: Array<string | number>): Result<number, Context>;
  }
}

export function defineCommit(redis: Redis): void {
  redis.defineCommand("wardenCommit", { numberOfKeys: 3, lua: SCRIPT });
}

/** Returns how many answers were new (the rest had been answered before). */
export async function commitBatch(redis: Redis, streams: { in: string; out: string; group: string }, answers: readonly Answer[], ttlSeconds: number): Promise<number> {
  const args: Array<string | number> = [streams.group, ttlSeconds, answers.length];
  for (const a of answers) args.push(a.id, a.result, a.entryId);
  return redis.wardenCommit(streams.in, streams.out, `warden:answered:${streams.out}:`, ...args);
}
