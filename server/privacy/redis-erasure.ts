/**
 * Erasure in Redis: the customer's recently-bought set (`bought:<digest>`), the idempotency marks of
 * their erased events (`event:<namespace>:<id>`), and the whole shared answer cache (`answer:*`,
 * `latest:*`): an answer's key is a digest of a context that names the shopper among others, so the
 * customer's answers cannot be told from the rest — and a cache costs only a few model calls to fill
 * again. Every call must land: a Redis that does not answer fails the erasure (run it again), it is
 * never taken as done.
 */
import type { RedisConnection } from '../shared-state/redis-connection.ts';

/** Redis did not take a step of the erasure. */
export class RedisErasureError extends Error {
  override name = 'RedisErasureError';
}

/** What was (or, in a dry run, would be) deleted. */
export interface RedisErasure {
  keys: number;
}

async function must<T>(redis: RedisConnection, step: string, call: Parameters<RedisConnection['attemptWrite']>[1]) {
  const result = (await redis.attemptWrite(`erasure-${step}`, call)) as T | undefined;
  if (result === undefined) throw new RedisErasureError(`redis: ${step} did not answer; run the erasure again`);
  return result;
}

async function keysMatching(redis: RedisConnection, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await must<[string, string[]]>(redis, 'scan', (client) =>
      client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000),
    );
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Deletes what Redis holds of the customer (`customerDigest`: `redisDigester` of their id, when known). */
export async function eraseFromRedis(
  redis: RedisConnection,
  options: {
    customerDigest?: string;
    /**
     * What else names the customer in a key (the digest of their shopper key, their pseudonym): every
     * key whose name holds one goes too, whichever part of the proxy made it.
     */
    namedBy?: readonly string[];
    eventKeys: readonly string[];
    dryRun: boolean;
    answers?: boolean;
  },
): Promise<RedisErasure> {
  const named = [options.customerDigest, ...(options.namedBy ?? [])].filter((n): n is string => n !== undefined);
  const anyNaming: string[] = [];
  for (const name of named) anyNaming.push(...(await keysMatching(redis, `${redis.key('')}*${name}*`)));
  const listed = [
    ...anyNaming,
    ...(options.customerDigest === undefined ? [] : [redis.key(`bought:${options.customerDigest}`)]),
    ...options.eventKeys.map((key) => redis.key(`event:${key}`)),
    ...(options.answers === false ? [] : await keysMatching(redis, `${redis.key('answer:')}*`)),
    ...(options.answers === false ? [] : await keysMatching(redis, `${redis.key('latest:')}*`)),
  ];
  const keys = [...new Set(listed)];
  let count = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500);
    count += options.dryRun
      ? await must<number>(redis, 'exists', (client) => client.exists(...slice))
      : await must<number>(redis, 'unlink', (client) => client.unlink(...slice));
  }
  return { keys: count };
}
