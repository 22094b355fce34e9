/**
 * Checks an `/invocations` body against the contract (`contracts/invocation.ts`,
 * docs/contracts.md "Proxy → endpoint") by hand: it runs on every call and must cost microseconds.
 */
import { type Invocation, invocationLimits } from '../../contracts/invocation.ts';

export type { Invocation };
export { invocationLimits };

/** Thrown by `parseInvocation`; the message starts with the field at fault (`"k" must be …`), or `body`. */
export class InvalidInvocationError extends Error {
  /** The body field at fault, or `body` when the body as a whole is not an object. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'InvalidInvocationError';
    this.field = field;
  }
}

function stringList(value: unknown, field: string, max: number): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidInvocationError(field, `"${field}" must be an array of strings`);
  if (value.length > max)
    throw new InvalidInvocationError(field, `"${field}" holds ${value.length} ids; at most ${max}`);
  for (const id of value) {
    if (typeof id !== 'string' || id.length === 0 || id.length > invocationLimits.maxIdLength) {
      throw new InvalidInvocationError(
        field,
        `"${field}" must hold non-empty strings of at most ${invocationLimits.maxIdLength} characters`,
      );
    }
  }
  return value as string[];
}

/** Parses a request body into an invocation; throws an `InvalidInvocationError` saying what is wrong. */
export function parseInvocation(body: string): Invocation {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidInvocationError('body', 'body is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInvocationError('body', 'body must be a JSON object');
  }
  const { userId, items, k, exclude, placement } = raw as Record<string, unknown>;
  if (
    userId !== undefined &&
    userId !== null &&
    (typeof userId !== 'string' || userId.length > invocationLimits.maxIdLength)
  ) {
    throw new InvalidInvocationError(
      'userId',
      `"userId" must be a string of at most ${invocationLimits.maxIdLength} characters`,
    );
  }
  if (k !== undefined && !(Number.isInteger(k) && (k as number) >= 1 && (k as number) <= invocationLimits.maxK)) {
    throw new InvalidInvocationError('k', `"k" must be an integer from 1 to ${invocationLimits.maxK}`);
  }
  if (placement !== undefined && typeof placement !== 'string') {
    throw new InvalidInvocationError('placement', '"placement" must be a string');
  }
  return {
    ...(typeof userId === 'string' && userId !== '' ? { userId } : {}),
    items: stringList(items, 'items', invocationLimits.maxItems),
    k: (k as number | undefined) ?? invocationLimits.defaultK,
    exclude: stringList(exclude, 'exclude', invocationLimits.maxExclude),
    ...(typeof placement === 'string' ? { placement } : {}),
  };
}
