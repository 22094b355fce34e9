/**
 * The events a shelf reports (`POST /v1/events`): validated one by one, so a
 * batch with one bad event still stores the good ones and says what was wrong.
 */
import { z } from 'zod';
import {
  eventIdLength,
  itemIdPattern,
  maxRequestIdLength,
  maxShopperIdLength,
  placementPattern,
  placementRule,
  printablePattern,
} from '../../contracts/ids.ts';
import { maxEventBatch, shelfSources } from '../../contracts/shelf-answer.ts';

/**
 * Event types the proxy stores. `identify` is the storefront server's word that a session signed in as a
 * customer (`sessionId` → `userId`): the session's events count for that customer from then on, in its arm
 * (server/shared-state/experiment-unit.ts) and in the training export (training-export.ts).
 */
export const eventTypes = ['impression', 'click', 'add_to_cart', 'purchase', 'identify'] as const;

/** An `identify` names no product and no shelf: stored with this placement and an empty `itemId`. */
export const signInPlacement = 'sign-in';

const printable = printablePattern;
const maxTokenLength = 4096;
const maxLabelLength = 64;
const maxModelVersionLength = 128;
const latestTs = 4_102_444_800_000;
const shopperId = z.string().min(1).max(maxShopperIdLength).regex(printable, 'printable characters only');

const eventSchema = z
  .strictObject({
    id: z
      .string()
      .min(eventIdLength.min, `at least ${eventIdLength.min} characters`)
      .max(eventIdLength.max)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _.:- only'),
    type: z.enum(eventTypes).exclude(['identify']),
    placement: z.string().regex(placementPattern, `must match ${placementRule}`),
    requestId: z.string().max(maxRequestIdLength).regex(printable).optional(),
    source: z.enum(shelfSources).optional(),
    itemId: z.string().regex(itemIdPattern, 'must be a product id'),
    userId: shopperId.optional(),
    sessionId: shopperId.optional(),
    // Verified (then dropped) by server/events/event-admission.ts; a bad token makes the event anonymous.
    shopperToken: z.string().max(maxTokenLength, `at most ${maxTokenLength} characters`).optional(),
    // The answer that showed the item: which production variant and model version.
    variant: z.string().max(maxLabelLength).regex(printable, 'printable characters only').optional(),
    modelVersion: z.string().max(maxModelVersionLength).regex(printable, 'printable characters only').optional(),
    ts: z
      .number()
      .int()
      .min(946_684_800_000, 'epoch milliseconds after 2000')
      .max(latestTs, 'epoch milliseconds before 2100'),
  })
  .refine((e) => e.userId !== undefined || e.sessionId !== undefined || e.shopperToken !== undefined, {
    message: 'needs shopperToken, userId or sessionId',
    path: ['userId'],
  });

const identifySchema = z
  .strictObject({
    id: eventSchema.shape.id,
    type: z.literal('identify'),
    sessionId: shopperId,
    userId: shopperId,
    ts: eventSchema.shape.ts,
  })
  .transform((e) => ({ ...e, placement: signInPlacement, itemId: '' }));

/** One valid shelf event (or an `identify`, which names no product). */
export type ShelfEvent = Omit<z.infer<typeof eventSchema>, 'type'> & { type: (typeof eventTypes)[number] };

/** A batch whose envelope is unusable. */
export class InvalidBatchError extends Error {
  override readonly name = 'InvalidBatchError';
}

/** The most events one batch may hold (`contracts/shelf-answer.ts`). */
export const maxBatchSize = maxEventBatch;

const longest = (words: readonly string[]): string => words.reduce((a, b) => (b.length > a.length ? b : a));

/** An event with every field at its longest (ASCII), as a page or a server would send it. */
export const maximalEvent: ShelfEvent = {
  id: 'i'.repeat(eventIdLength.max),
  type: longest(eventTypes) as ShelfEvent['type'],
  placement: 'p'.repeat(64),
  requestId: 'r'.repeat(maxRequestIdLength),
  source: longest(shelfSources) as NonNullable<ShelfEvent['source']>,
  itemId: 'I'.repeat(32),
  userId: 'u'.repeat(maxShopperIdLength),
  sessionId: 's'.repeat(maxShopperIdLength),
  shopperToken: 't'.repeat(maxTokenLength),
  variant: 'v'.repeat(maxLabelLength),
  modelVersion: 'm'.repeat(maxModelVersionLength),
  ts: latestTs,
};

/**
 * The largest body a batch may be, JSON or text/plain alike: `maxBatchSize` maximal events in
 * compact JSON, with 64 bytes a event of room for the spaces some encoders put after `:` and `,`.
 * (Characters outside ASCII, or `\u` escapes, make an event longer: such a batch must be smaller.)
 */
export const maxBatchBytes =
  Buffer.byteLength(JSON.stringify({ events: Array.from({ length: maxBatchSize }, () => maximalEvent) })) +
  64 * maxBatchSize;

/** The valid events of a batch, and what was wrong with the others. */
export interface ParsedBatch {
  events: ShelfEvent[];
  rejected: Array<{ index: number; message: string }>;
}

/**
 * Parses a batch body: an object, or the JSON text that `navigator.sendBeacon`
 * sends as text/plain. Throws `InvalidBatchError` when the envelope is wrong.
 */
export function parseEventBatch(body: unknown): ParsedBatch {
  let envelope = body;
  if (typeof body === 'string') {
    try {
      envelope = JSON.parse(body);
    } catch {
      throw new InvalidBatchError('body: not valid JSON');
    }
  }
  const events = (envelope as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new InvalidBatchError('events: must be an array');
  if (events.length === 0) throw new InvalidBatchError('events: must hold at least one event');
  if (events.length > maxBatchSize) throw new InvalidBatchError(`events: at most ${maxBatchSize} a batch`);
  const parsed: ParsedBatch = { events: [], rejected: [] };
  events.forEach((event, index) => {
    const identify = (event as { type?: unknown } | null)?.type === 'identify';
    const result = identify ? identifySchema.safeParse(event) : eventSchema.safeParse(event);
    if (result.success) parsed.events.push(result.data);
    else {
      const issue = result.error.issues[0]!;
      const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.');
      const reason = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
      parsed.rejected.push({ index, message: `events[${index}].${field || '(event)'}: ${reason}` });
    }
  });
  return parsed;
}
