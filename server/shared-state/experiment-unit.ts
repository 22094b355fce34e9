/**
 * The unit of the experiment is the person, not the request. Three memories make it so:
 *
 * - **One arm across sign-in.** A shopper is known by session until they sign in, then by customer. The
 *   storefront's server says so with an `identify` event (`sessionId` → customer); from then on the session
 *   stands for that customer, and **the customer's arm wins**: a customer is the longer-lived unit (many
 *   sessions, many devices), so every session they sign in on joins their one arm, and their events before
 *   sign-in count for them (server/events/training-export.ts joins them the same way). What the session saw
 *   before signing in may have come from the other arm; the analysis counts it in the customer's (intention
 *   to treat by person), which can only dilute a difference, never invent one.
 * - **The challenger sticky per shopper.** With `RECO_VARIANTS` the proxy picks each person's variant by a
 *   hash, as before. Without (SageMaker, or `npm run retrain -- --promote`, splits by weight call by call), the
 *   variant that first answered a person is pinned and sent as `TargetVariant` from then on, for
 *   `RECO_VARIANT_PIN_HOURS`; SageMaker's weights thus decide new people only. A pinned variant the endpoint
 *   no longer has (`variant-not-found`) is forgotten at once. After `--promote --full` (the old champion kept at
 *   weight 0) a pinned person stays on it until the pin ends: set the pin as long as one experiment runs.
 * - **The answer memory** (`server/shared-state/answer-memory.ts`): every answer by request id, with the arm.
 *
 * - **The arms' sizes.** `reco_experiment_shoppers_total{arm}` counts each person once, the first time an
 *   answer is given for them (once in the fleet through Redis's `SET NX`; without Redis, once per instance, the
 *   same for both arms), and `reco_experiment_holdout_share` is the configured split: the sample-ratio alert
 *   (deploy/prometheus/reco-shelf.rules.yml) compares the two.
 *
 * All three live in this process and, when Redis is on, in Redis under keyed digests of the shopper keys:
 * an instance that never saw the shopper finds the same arm and variant.
 */
import { LRUCache } from 'lru-cache';
import type { Counter, Gauge } from 'prom-client';
import type { ShelfSourceName } from '../../contracts/shelf-answer.ts';
import { type AnswerMemory, answerMemory, type RememberedAnswer } from './answer-memory.ts';
import type { RedisConnection } from './redis-connection.ts';
import { SharedMemo } from './shared-memo.ts';
import { type Arm, holdoutAssigner, shopperKey } from '../shoppers/holdout.ts';
import { variantAssigner } from '../shoppers/variant-assignment.ts';

/** What of an answer the experiment remembers (`RecommendationAnswer`'s fields). */
export interface AnswerSeen {
  requestId: string;
  placement: string;
  source: ShelfSourceName;
  model: { version: string; variant: string | null } | null;
}

/** What the routes tell the experiment: before an answer (loads what other instances know), after it. */
export interface AnswerHooks {
  /** A promise while it loads from other instances; undefined when there is nothing to wait for. */
  before(armKey: string | undefined): Promise<void> | undefined;
  answered(answer: AnswerSeen, armKey: string | undefined, failureLabel: string | null): void;
}

/** A person as the experiment knows them: who stands for them in memory, and their arm. */
interface Unit {
  person: string;
  arm: Arm;
}

const isUnit = (v: unknown): boolean =>
  typeof (v as Unit)?.person === 'string' && ((v as Unit).arm === 'model' || (v as Unit).arm === 'holdout');
const isPin = (v: unknown): boolean => typeof (v as { variant?: unknown })?.variant === 'string';

/** Settings of the experiment's unit. */
export interface ExperimentUnitOptions {
  holdoutPercent: number;
  /** `RECO_VARIANTS`: weights the proxy assigns by; empty: pins learned from answers. */
  variants: Readonly<Record<string, number>>;
  answerMemory: { maxEntries: number; ttlMs: number };
  /** How long a person keeps the variant that first answered them (learned pins only). */
  pinTtlMs: number;
  /** How long a session stays joined to the customer it was identified as. */
  linkTtlMs: number;
  /** The most people (links, pins) this process remembers. */
  maxPeople: number;
  redis?: RedisConnection | undefined;
  /** The keyed digest shopper keys are stored as in Redis (`redisDigester`); required with `redis`. */
  digest?: ((text: string) => string) | undefined;
  /** Where the arms' sizes are counted (`reco_experiment_shoppers_total`, `reco_experiment_holdout_share`). */
  metrics?: { shoppers: Counter<'arm'>; holdoutShare: Gauge } | undefined;
}

/** Builds the arm, variant and answer memories the shelf service, the routes and the events route share. */
export function experimentUnit(options: ExperimentUnitOptions) {
  const redis = options.redis;
  const personOf = (key: string): string => (options.digest ? options.digest(key) : key);
  const inHoldout = holdoutAssigner(options.holdoutPercent);
  const byHash = Object.keys(options.variants).length > 0 ? variantAssigner(options.variants) : undefined;
  const links = new SharedMemo<Unit>({
    name: 'identified',
    maxEntries: options.maxPeople,
    ttlMs: options.linkTtlMs,
    redis,
    valid: isUnit,
  });
  const pins = new SharedMemo<{ variant: string }>({
    name: 'pinned',
    maxEntries: options.maxPeople,
    ttlMs: options.pinTtlMs,
    redis,
    valid: isPin,
  });
  const answers: AnswerMemory = answerMemory({ ...options.answerMemory, redis });
  const assigned = options.metrics?.shoppers;
  options.metrics?.holdoutShare.set(options.holdoutPercent / 100);
  const seen = new LRUCache<string, true>({ max: options.maxPeople, ttl: options.pinTtlMs });
  /** Counts `unit` once: here, and (with Redis) only if no instance has before. */
  function count(unit: Unit): void {
    if (seen.get(unit.person)) return;
    seen.set(unit.person, true);
    if (!redis) {
      assigned?.inc({ arm: unit.arm });
      return;
    }
    void redis
      .attempt('experiment-seen', (client) =>
        client.set(redis.key(`seen:${unit.person}`), '1', 'PX', options.pinTtlMs, 'NX'),
      )
      .then((first) => {
        if (first === 'OK') assigned?.inc({ arm: unit.arm });
      });
  }

  /** Loads what other instances know of the person behind `key`: the session's link and the pins. */
  async function loadPerson(key: string): Promise<void> {
    // The session's link and its own pin in one round trip; the customer's pin after, only for a linked one.
    const own = personOf(key);
    const [link] = await Promise.all([
      key.startsWith('s:') ? links.get(own) : undefined,
      byHash ? undefined : pins.get(own),
    ]);
    if (link && !byHash) await pins.get(link.person);
  }

  /** The person behind a shopper key, with this process's knowledge of links (see `before`). */
  function unitOf(key: string | undefined): Unit | undefined {
    if (key === undefined) return undefined;
    if (key.startsWith('s:')) {
      const link = links.peek(personOf(key));
      if (link) return link;
    }
    return { person: personOf(key), arm: inHoldout(key) ? 'holdout' : 'model' };
  }

  return {
    answers,
    /** The shelf service's holdout decision, by person. */
    inHoldout: (key: string | undefined): boolean => unitOf(key)?.arm === 'holdout',
    /** The shelf service's variant, by person: by hash with `RECO_VARIANTS`, else the person's pin (if any). */
    assignVariant(key: string | undefined): string | undefined {
      const unit = unitOf(key);
      if (!unit) return undefined;
      return byHash ? byHash(unit.person) : pins.peek(unit.person)?.variant;
    },
    hooks: {
      before(key) {
        // Without Redis this process already knows all it can: no promise, no turn of the event loop.
        if (!redis || key === undefined) return undefined;
        return loadPerson(key);
      },
      answered(answer, key, failureLabel) {
        const unit = unitOf(key);
        const variant = answer.model?.variant ?? undefined;
        // Built in place: the memory keeps one object an answer, no spread of a temporary one.
        const remembered: RememberedAnswer = {
          placement: answer.placement,
          source: answer.source,
          arm: unit?.arm ?? 'model',
        };
        if (variant) remembered.variant = variant;
        if (answer.model?.version) remembered.modelVersion = answer.model.version;
        answers.rememberAnswer(answer.requestId, remembered);
        if (unit) count(unit);
        if (byHash || !unit) return;
        if (failureLabel === 'variant-not-found') pins.delete(unit.person);
        else if (answer.source === 'model' && variant && pins.peek(unit.person) === undefined)
          pins.set(unit.person, { variant });
      },
    } satisfies AnswerHooks,
    /** `identify`: the session stands for the customer from now on, in the customer's arm. */
    identify(sessionId: string, userId: string): void {
      links.set(personOf(shopperKey(undefined, sessionId)!), unitOf(shopperKey(userId, undefined))!);
    },
    /** The arm of an event's shopper (a session joined to a customer by `identify` takes the customer's). */
    async armOf(event: { userId?: string | undefined; sessionId?: string | undefined }): Promise<Arm> {
      const key = shopperKey(event.userId, event.sessionId);
      if (key?.startsWith('s:')) await links.get(personOf(key));
      return unitOf(key)?.arm ?? 'model';
    },
  };
}

/** The experiment's unit, as built. */
export type ExperimentUnit = ReturnType<typeof experimentUnit>;
