/**
 * Proxy → model container: the body the proxy sends through `InvokeEndpoint` and the
 * answer the container gives, defined once here as zod schemas. The types below are read
 * from them; the container validates requests with them (`model/container/invocation.ts`), the
 * proxy answers with them (`invocation-answer.ts`), and the JSON Schemas other languages read
 * (`invocation-*.schema.json`) are generated from them (`invocation-json-schema.ts`).
 * See docs/contracts.md "Proxy → endpoint".
 */
import { z } from 'zod';
import { maxShopperIdLength, placementPattern, placementRule } from './ids.ts';

/**
 * The limits both sides keep. The proxy never sends more than these (it keeps the most
 * recent `exclude` ids and caps `k`); the container answers 400 above them.
 */
export const invocationLimits = {
  /** A few shelves' worth: room for the proxy's overfetch, not a catalog dump (the proxy caps at it). */
  maxK: 100,
  /** What the container answers when `k` is absent (the proxy always sends one). */
  defaultK: 24,
  /** At least a request's `maxContextItems` (50), so the proxy never cuts the context. */
  maxItems: 100,
  /** The context and a heavy buyer's recent purchases; the proxy cuts the oldest purchases first. */
  maxExclude: 1000,
  /** A shopper id's longest (`maxShopperIdLength`), so any id the proxy accepts passes. */
  maxIdLength: maxShopperIdLength,
} as const;

/** A batch body's limit: as many shelves as one `POST /v1/shelves` may ask (`maxShelvesPerRequest`). */
export const maxBatchShelves = 8;

/** A `modelVersion`'s longest: it ends up in answers, logs and metric labels. */
export const maxModelVersionLength = 128;

const { maxK, defaultK, maxItems, maxExclude, maxIdLength } = invocationLimits;
const idRule = `non-empty strings of at most ${maxIdLength} characters`;

/**
 * Each field's rule in words: the JSON Schemas' `description`, and what a refusal says after the
 * field's name (`"k" must be an integer from 1 to 100`).
 */
export const invocationFieldRules = {
  userId: `a non-empty string of at most ${maxIdLength} characters (a pseudonym when the shop sets its key)`,
  items: `an array of at most ${maxItems} context product ids, ${idRule}, most relevant first`,
  k: `an integer from 1 to ${maxK} (default ${defaultK}): how many recommendations at most`,
  exclude: `an array of at most ${maxExclude} product ids the answer must not hold, ${idRule}`,
  placement: `a placement name (${placementRule})`,
  shelves: `an array of 1..${maxBatchShelves} shelves, each { placement, items?, k?, exclude? }`,
} as const;

const id = z.string().min(1).max(maxIdLength);
const described = <T extends z.ZodType>(schema: T, field: keyof typeof invocationFieldRules): T =>
  schema.meta({ description: invocationFieldRules[field] });

const shelfFields = {
  items: described(z.array(id).max(maxItems).default([]), 'items'),
  k: described(z.int().min(1).max(maxK).default(defaultK), 'k'),
  exclude: described(z.array(id).max(maxExclude).default([]), 'exclude'),
};

/**
 * The single `/invocations` body. Closed: a field the contract does not name is refused, so a
 * container never silently ignores something the proxy meant (the batch body relies on it).
 */
export const invocationSchema = z
  .strictObject({
    userId: described(id, 'userId').optional(),
    ...shelfFields,
    placement: described(z.string().regex(placementPattern), 'placement').optional(),
  })
  .meta({
    title: 'Invocation',
    description:
      "The single /invocations body (Content-Type application/json). The proxy's warm-up call at start is " +
      '{"items":[],"k":1,"exclude":[],"placement":"warm-up"}.',
  });

/** One shelf of a batch body: what the single body asks, for one placement (the shopper is the batch's). */
export const batchShelfInvocationSchema = z.strictObject({
  placement: described(z.string().regex(placementPattern), 'placement'),
  ...shelfFields,
});

/** The batch `/invocations` body: several shelves of one page for one shopper, scored in one call. */
export const batchInvocationSchema = z
  .strictObject({
    userId: described(id, 'userId').optional(),
    shelves: described(z.array(batchShelfInvocationSchema).min(1).max(maxBatchShelves), 'shelves'),
  })
  .meta({
    title: 'BatchInvocation',
    description: 'The batch /invocations body: one entry per shelf, answered in the same order.',
  });

const recommendationsSchema = z
  .array(
    z.looseObject({
      itemId: id.meta({ description: `a product id, ${idRule.replace('strings', 'string')}` }),
      score: z.number().meta({ description: "the model's score; the list is ordered by it, highest first" }),
    }),
  )
  .max(maxK)
  .meta({
    description:
      'best first: scores never rise down the list; at most the asked k, no product twice, none of the asked exclude',
  });

const modelVersionSchema = z
  .string()
  .min(1)
  .max(maxModelVersionLength)
  .meta({ description: `the model that answered, 1-${maxModelVersionLength} characters` });

/**
 * The answer to a single body. Open: fields beyond these are allowed and ignored by the proxy
 * (a container may add its own, for its logs).
 */
export const invocationAnswerSchema = z
  .looseObject({ recommendations: recommendationsSchema, modelVersion: modelVersionSchema })
  .meta({ title: 'InvocationAnswer', description: 'The 200 answer to a single body, as application/json.' });

/** The answer to a batch body: one entry per asked shelf, in the same order. */
export const batchInvocationAnswerSchema = z
  .looseObject({
    shelves: z
      .array(z.looseObject({ recommendations: recommendationsSchema }))
      .min(1)
      .max(maxBatchShelves)
      .meta({ description: 'exactly one entry per asked shelf, in the order asked' }),
    modelVersion: modelVersionSchema,
  })
  .meta({ title: 'BatchInvocationAnswer', description: 'The 200 answer to a batch body, as application/json.' });

/** The `/invocations` request body, as a container reads it (the defaults filled in). */
export type Invocation = z.output<typeof invocationSchema>;
/** One shelf of a batch body, as read. */
export type BatchShelfInvocation = z.output<typeof batchShelfInvocationSchema>;
/** The batch body, as read. */
export type BatchInvocation = z.output<typeof batchInvocationSchema>;
/** The `/invocations` answer body. */
export type InvocationAnswer = {
  recommendations: Array<{ itemId: string; score: number }>;
  modelVersion: string;
};
/** The answer to a batch body. */
export type BatchInvocationAnswer = {
  shelves: Array<{ recommendations: Array<{ itemId: string; score: number }> }>;
  modelVersion: string;
};

/** The proxy's warm-up call at start (`server/proxy.ts`): the smallest valid body, `k` 1. */
export const warmUpInvocation: Invocation = { items: [], k: 1, exclude: [], placement: 'warm-up' };
