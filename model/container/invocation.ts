/**
 * Reads an `/invocations` body with the contract's own schemas (`contracts/invocation.ts`, the same
 * definition the published JSON Schemas come from), so the reference container refuses exactly what
 * they refuse: a closed body, every limit. See docs/contracts.md "Proxy → endpoint".
 */
import type { z } from 'zod';
import {
  type BatchInvocation,
  batchInvocationSchema,
  type Invocation,
  invocationFieldRules,
  invocationLimits,
  invocationSchema,
  maxBatchShelves,
} from '../../contracts/invocation.ts';
import { pathText } from '../../contracts/invocation-answer.ts';

export type { BatchInvocation, Invocation };
export { invocationLimits, maxBatchShelves };

/** Thrown by `parseInvocation`; the message starts with the field at fault (`"k" must be …`), or `body`. */
export class InvalidInvocationError extends Error {
  /** The body field at fault (`k`, `shelves[1].k`), or `body` when the body as a whole is not an object. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'InvalidInvocationError';
    this.field = field;
  }
}

function parseObject(body: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidInvocationError('body', 'body is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInvocationError('body', 'body must be a JSON object');
  }
  return raw as Record<string, unknown>;
}

/**
 * The first issue as a message naming its field: the field's rule (`"k" must be an integer from 1 to
 * 100 …`), or that a field is not the contract's. An index inside a list names the list
 * (`items`), but a shelf keeps its place (`shelves[1].k`).
 */
function refusal(error: z.ZodError, kind: string): InvalidInvocationError {
  const issue = error.issues[0]!;
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const field = pathText([...path, issue.keys[0]!]);
    return new InvalidInvocationError(field, `"${field}" is not a field of ${kind}`);
  }
  if (issue.code === 'invalid_type' && issue.expected === 'object') {
    const field = pathText(path) || 'body';
    return new InvalidInvocationError(field, `"${field}" must be an object`);
  }
  const at = path.findLastIndex((part) => typeof part === 'string' && part in invocationFieldRules);
  const name = path[at] as keyof typeof invocationFieldRules | undefined;
  if (name === undefined) return new InvalidInvocationError('body', `body: ${issue.message}`);
  const field = pathText(path.slice(0, at + 1));
  return new InvalidInvocationError(field, `"${field}" must be ${invocationFieldRules[name]}`);
}

/**
 * Parses a request body: the single body (an `Invocation`) or, when it has `shelves`, the batch body
 * (at most `maxBatchShelves` shelves, each checked as a single body is, its field named `shelves[i].k`).
 */
export function parseAnyInvocation(body: string): Invocation | BatchInvocation {
  const raw = parseObject(body);
  if (raw.shelves === undefined) return checked(invocationSchema.safeParse(raw), 'the invocation body');
  return checked(batchInvocationSchema.safeParse(raw), 'a batch body');
}

/** Parses a request body into a single invocation; throws an `InvalidInvocationError` saying what is wrong. */
export function parseInvocation(body: string): Invocation {
  return checked(invocationSchema.safeParse(parseObject(body)), 'the invocation body');
}

function checked<T>(result: z.ZodSafeParseResult<T>, kind: string): T {
  if (!result.success) throw refusal(result.error, kind);
  return result.data;
}
