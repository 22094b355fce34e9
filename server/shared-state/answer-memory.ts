/**
 * What the proxy answered, by `requestId` (placement, variant, model version, arm, source), so an
 * event is joined to the answer that showed its item on the server: a page (or the storefront's
 * server, which never saw the answer) cannot say which variant or arm it was. Kept for
 * `RECO_ANSWER_MEMORY_TTL_S` in an LRU of `RECO_ANSWER_MEMORY_ENTRIES`, and in Redis when it is on, so
 * an impression posted to instance B is joined to the answer instance A gave. A request id is the
 * proxy's own UUID and the entry names no shopper: nothing personal reaches Redis.
 */
import { shelfSources, type ShelfSourceName } from '../../contracts/shelf-answer.ts';
import type { Arm } from '../shoppers/holdout.ts';
import type { RedisConnection } from './redis-connection.ts';
import { SharedMemo } from './shared-memo.ts';

/** One answer as the events are joined to it. */
export interface RememberedAnswer {
  placement: string;
  /** The production variant that answered (model or cached answers only). */
  variant?: string;
  modelVersion?: string;
  /** The shopper's assignment when answered (intention to treat), not what served the shelf. */
  arm: Arm;
  source: ShelfSourceName;
}

const isAnswer = (value: unknown): boolean => {
  const v = value as Partial<RememberedAnswer> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.placement === 'string' &&
    (v.arm === 'model' || v.arm === 'holdout') &&
    (shelfSources as readonly string[]).includes(v.source as string) &&
    (v.variant === undefined || typeof v.variant === 'string') &&
    (v.modelVersion === undefined || typeof v.modelVersion === 'string')
  );
};

/** The answer memory: remembered where the routes answer, recalled where events are admitted. */
export interface AnswerMemory {
  rememberAnswer(requestId: string, answer: RememberedAnswer): void;
  recallAnswer(requestId: string): Promise<RememberedAnswer | undefined>;
}

/** An answer memory in this process, shared through `redis` when given. */
export function answerMemory(options: {
  maxEntries: number;
  ttlMs: number;
  redis?: RedisConnection | undefined;
}): AnswerMemory {
  const memo = new SharedMemo<RememberedAnswer>({ name: 'served', valid: isAnswer, ...options });
  return {
    rememberAnswer: (requestId, answer) => memo.set(requestId, answer),
    recallAnswer: (requestId) => memo.get(requestId),
  };
}
