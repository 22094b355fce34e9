/**
 * Validates a `POST /v1/shelves` body (several shelves of one page, docs/contracts.md "Widget → proxy"):
 * parsed JSON or the text of a `text/plain` one. Every error names its field (`shelves[2].placement: …`).
 */
import { z } from 'zod';
import { maxShelvesPerRequest } from '../../contracts/shelf-answer.ts';
import { InvalidRequestError, shelfFields, shopperFields } from './recommendation-request.ts';

/** One shelf of the request, with what only the page's HTML needs (`heading`, `layout`). */
export interface ShelfAsk {
  placement: string;
  items: string[];
  limit?: number;
  heading?: string;
  layout?: 'carousel' | 'grid';
}

/** A valid `POST /v1/shelves` request. */
export interface ShelvesRequest {
  shelves: ShelfAsk[];
  userId?: string;
  sessionId?: string;
  shopperToken?: string;
  distinct: boolean;
  render: 'json' | 'html';
  /** How the page formats prices (`<html lang>` and the shop's currency), for the rendered cards. */
  locale?: string;
  currency?: string;
}

const shelfSchema = z.strictObject({
  ...shelfFields,
  heading: z.string().max(200, 'at most 200 characters').optional(),
  layout: z.enum(['carousel', 'grid'], { error: 'must be "carousel" or "grid"' }).optional(),
});

const shelvesMessage = `must be an array of 1..${maxShelvesPerRequest} shelves`;
const schema = z.strictObject({
  shelves: z
    .array(shelfSchema, { error: shelvesMessage })
    .min(1, shelvesMessage)
    .max(maxShelvesPerRequest, `at most ${maxShelvesPerRequest} shelves a request`),
  ...shopperFields,
  distinct: z.boolean({ error: 'must be true or false' }).default(true),
  render: z.enum(['json', 'html'], { error: 'must be "json" or "html"' }).default('json'),
  locale: z
    .string()
    .refine((tag) => {
      try {
        return Intl.NumberFormat.supportedLocalesOf(tag).length > 0;
      } catch {
        return false;
      }
    }, 'must be a BCP 47 language tag such as en-GB')
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as GBP')
    .optional(),
});

/** Validates a body of `POST /v1/shelves`; throws an `InvalidRequestError` naming the field. */
export function parseShelvesBody(body: unknown): ShelvesRequest {
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
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.reduce<string>(
      (name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)),
      '',
    );
    if (issue.code === 'unrecognized_keys')
      throw new InvalidRequestError(`${field ? `${field}: ` : ''}unknown field "${issue.keys[0]}"`);
    throw new InvalidRequestError(`${field || 'body'}: ${issue.message}`);
  }
  const { userId, sessionId, shopperToken, shelves, distinct, render, locale, currency } = parsed.data;
  return {
    shelves: shelves.map(({ limit, heading, layout, ...rest }) => ({
      ...rest,
      ...(limit ? { limit } : {}),
      ...(heading !== undefined ? { heading } : {}),
      ...(layout ? { layout } : {}),
    })),
    ...(userId ? { userId } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(shopperToken ? { shopperToken } : {}),
    ...(locale ? { locale } : {}),
    ...(currency ? { currency } : {}),
    distinct,
    render,
  };
}
