/**
 * The rules a container's `200` answer keeps, checked where it is read: the proxy
 * (`server/shelf/sagemaker-endpoint.ts`) and the contract test (`model/contract-test/`). The shape
 * is the answer schemas' in `invocation.ts`; the rules a schema cannot state (they need the
 * request: at most `k`; the list's own order and duplicates) are here, once.
 * See docs/contracts.md "Proxy → endpoint".
 */
import type { z } from 'zod';
import {
  type BatchInvocationAnswer,
  batchInvocationAnswerSchema,
  type InvocationAnswer,
  invocationAnswerSchema,
} from './invocation.ts';

/** The rules an answer keeps, as the proxy logs a broken one, in the order they are checked. */
export const answerRules = [
  'content-type',
  'json',
  'schema',
  'at-most-k',
  'no-duplicates',
  'best-first',
  'shelf-count',
] as const;

/** The rule an answer broke. */
export type AnswerRule = (typeof answerRules)[number];

/** Thrown when an answer breaks a rule; `rule` says which, the message where. */
export class InvalidInvocationAnswerError extends Error {
  override readonly name = 'InvalidInvocationAnswerError';
  constructor(
    readonly rule: AnswerRule,
    message: string,
  ) {
    super(message);
  }
}

/** A zod path as a reader writes it: `shelves[1].recommendations[3].score`. */
export function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  return text;
}

function schemaError(error: z.ZodError): InvalidInvocationAnswerError {
  const issue = error.issues[0]!;
  return new InvalidInvocationAnswerError('schema', `${pathText(issue.path) || 'answer'}: ${issue.message}`);
}

/** `application/json`, with or without parameters (`; charset=utf-8`), whatever the case. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** The answer's body as JSON, checking its content type first. */
export function readAnswerJson(body: string, contentType: string | undefined): unknown {
  if (!isJsonContentType(contentType)) {
    throw new InvalidInvocationAnswerError(
      'content-type',
      `the answer's content type is "${contentType ?? 'none'}", not application/json`,
    );
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidInvocationAnswerError('json', 'the answer is not valid JSON');
  }
}

function checkList(recommendations: InvocationAnswer['recommendations'], k: number, where: string): void {
  if (recommendations.length > k) {
    throw new InvalidInvocationAnswerError(
      'at-most-k',
      `${where}: ${recommendations.length} recommendations; k was ${k}`,
    );
  }
  const seen = new Set<string>();
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < recommendations.length; i++) {
    const { itemId, score } = recommendations[i]!;
    // Product ids match case-insensitively (docs/contracts.md "Ids"): 85123a and 85123A are one product.
    const key = itemId.toUpperCase();
    if (seen.has(key)) throw new InvalidInvocationAnswerError('no-duplicates', `${where}[${i}]: "${itemId}" twice`);
    seen.add(key);
    if (score > previous) {
      throw new InvalidInvocationAnswerError(
        'best-first',
        `${where}[${i}]: score ${score} after ${previous}; the list must be best first`,
      );
    }
    previous = score;
  }
}

/** Checks a single body's answer (already JSON) against the schema and the rules; returns it typed. */
export function checkInvocationAnswer(raw: unknown, k: number): InvocationAnswer {
  const parsed = invocationAnswerSchema.safeParse(raw);
  if (!parsed.success) throw schemaError(parsed.error);
  checkList(parsed.data.recommendations, k, 'recommendations');
  return parsed.data;
}

/** Checks a batch answer (already JSON): one entry per asked shelf, each kept to its own `k`. */
export function checkBatchInvocationAnswer(raw: unknown, ks: readonly number[]): BatchInvocationAnswer {
  const parsed = batchInvocationAnswerSchema.safeParse(raw);
  if (!parsed.success) throw schemaError(parsed.error);
  const { shelves } = parsed.data;
  if (shelves.length !== ks.length) {
    throw new InvalidInvocationAnswerError('shelf-count', `shelves: ${shelves.length} entries; ${ks.length} asked`);
  }
  for (const [i, shelf] of shelves.entries()) checkList(shelf.recommendations, ks[i]!, `shelves[${i}].recommendations`);
  return parsed.data;
}
