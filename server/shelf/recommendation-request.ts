/**
 * Validates `GET /v1/recommendations` query strings and `POST` JSON bodies into
 * one request shape; every error names the field that is wrong (docs/contracts.md "Widget → proxy").
 * Who the shopper is travels only in a body: URLs end up in access logs (the balancer's, a CDN's).
 */
import { z } from 'zod';
import {
  itemIdPattern,
  maxShopperIdLength,
  placementPattern,
  placementRule,
  printablePattern,
} from '../../contracts/ids.ts';
import { maxContextItems, maxShelfSize } from '../../contracts/shelf-answer.ts';

/** A valid recommendations request. */
export interface RecommendationRequest {
  placement: string;
  userId?: string;
  sessionId?: string;
  /** The storefront's signed token; the shelf service trusts only what it says (shoppers/shopper-identity.ts). */
  shopperToken?: string;
  items: string[];
  limit?: number;
}

const limitMessage = `must be a whole number 1..${maxShelfSize}`;
const shopperId = z
  .string()
  .min(1)
  .max(maxShopperIdLength, `at most ${maxShopperIdLength} characters`)
  .regex(printablePattern, 'printable characters only');
const itemId = z.string().regex(itemIdPattern, 'item ids are 1-32 letters, digits, _ or -');

/** The rules of a shelf's fields, shared by this request and each shelf of `POST /v1/shelves`. */
export const shelfFields = {
  placement: z.string({ error: 'is required' }).regex(placementPattern, `must match ${placementRule}`),
  items: z.array(itemId).max(maxContextItems, `at most ${maxContextItems} ids`).default([]),
  limit: z
    .number({ error: limitMessage })
    .int(limitMessage)
    .min(1, limitMessage)
    .max(maxShelfSize, limitMessage)
    .optional(),
};

/** The rules of the shopper's fields, shared likewise. */
export const shopperFields = {
  userId: shopperId.optional(),
  sessionId: shopperId.optional(),
  // Any string: a token that is not valid makes the shopper anonymous, it is never a 400.
  shopperToken: z.string().optional(),
};

const schema = z.strictObject({ ...shelfFields, ...shopperFields });

/** A request that failed validation; its message names the field. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/**
 * One definition of every rule: the schema. A hand-written reader of valid requests used to run
 * first; measured (100 k parses of a typical request on this 2-core machine, 2026-12-07) it
 * took 0.5 µs a JSON body and 0.8 µs a query where the schema takes 3.5 and 3.0 µs: 2.5 µs saved
 * of the shelf's ~1 ms own work and its 150 ms budget, not worth a second copy of the rules.
 */
function validate(input: Record<string, unknown>): RecommendationRequest {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    const { userId, sessionId, shopperToken, limit, ...rest } = parsed.data;
    return {
      ...rest,
      ...(userId ? { userId } : {}),
      ...(sessionId ? { sessionId } : {}),
      ...(shopperToken ? { shopperToken } : {}),
      ...(limit ? { limit } : {}),
    };
  }
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  if (issue.code === 'unrecognized_keys') throw new InvalidRequestError(`unknown field "${issue.keys[0]}"`);
  throw new InvalidRequestError(`${field}: ${issue.message}`);
}

const queryFields = ['placement', 'sessionId', 'items', 'limit'] as const;

/**
 * Fields a query string may not carry: a URL is written to access logs, and a logged token
 * replays until it expires (a customer id is personal data). Refused, not ignored, so the
 * caller learns where they belong instead of getting an anonymous shelf.
 */
const bodyOnlyFields = ['shopperToken', 'userId'] as const;

/** Refuses a query string that names the shopper, whatever the method: a POST's URL is logged too. */
export function refuseShopperInQuery(query: Record<string, unknown>): void {
  for (const field of bodyOnlyFields) {
    if (query[field] !== undefined) {
      throw new InvalidRequestError(
        `${field}: never in a URL (URLs are logged); send it in the JSON body of POST /v1/recommendations`,
      );
    }
  }
}

/**
 * Validates a parsed query string (values may be strings or, when repeated, arrays). A
 * `shopperToken` or `userId` in it is refused, naming the body of a POST as its place.
 */
export function parseRecommendationQuery(query: Record<string, unknown>): RecommendationRequest {
  refuseShopperInQuery(query);
  const input: Record<string, unknown> = {};
  for (const field of queryFields) {
    const value = query[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new InvalidRequestError(`${field}: give it once, as a plain value`);
    if (field === 'items') input.items = value === '' ? [] : value.split(',');
    else if (field === 'limit') input.limit = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
    else if (value !== '' || field === 'placement') input[field] = value;
  }
  if (input.limit !== undefined && Number.isNaN(input.limit)) throw new InvalidRequestError(`limit: ${limitMessage}`);
  return validate(input);
}

/**
 * Validates a body of `POST /v1/recommendations`: parsed JSON, or the text of a `text/plain`
 * one (what the shelf sends: a CORS simple request, so no preflight round trip).
 */
export function parseRecommendationBody(body: unknown): RecommendationRequest {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      throw new InvalidRequestError('body: not valid JSON');
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('body: must be a JSON object');
  }
  return validate(body as Record<string, unknown>);
}
