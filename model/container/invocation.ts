/**
 * Checks an `/invocations` body against the contract (`contracts/invocation.ts`,
 * docs/contracts.md "Proxy → endpoint") by hand: it runs on every call and must cost microseconds.
 */
import {
  type BatchInvocation,
  type Invocation,
  invocationLimits,
  maxBatchShelves,
} from '../../contracts/invocation.ts';

export type { BatchInvocation, Invocation };
export { invocationLimits, maxBatchShelves };

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
 * Parses a request body: the single body (an `Invocation`) or the batch body (`{ userId?, shelves: [...] }`,
 * at most `maxBatchShelves` shelves, each checked as a single body is, its field named `shelves[i].k`).
 */
export function parseAnyInvocation(body: string): Invocation | BatchInvocation {
  const raw = parseObject(body);
  if (raw.shelves === undefined) return checkInvocation(raw);
  const { shelves, userId, ...rest } = raw;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new InvalidInvocationError(extra, `"${extra}" is not a field of a batch body`);
  if (!Array.isArray(shelves) || shelves.length < 1 || shelves.length > maxBatchShelves) {
    throw new InvalidInvocationError('shelves', `"shelves" must be an array of 1..${maxBatchShelves} shelves`);
  }
  const user = checkInvocation({ userId, items: [] }).userId;
  return {
    ...(user !== undefined ? { userId: user } : {}),
    shelves: shelves.map((shelf, i) => {
      if (typeof shelf !== 'object' || shelf === null || Array.isArray(shelf)) {
        throw new InvalidInvocationError(`shelves[${i}]`, `"shelves[${i}]" must be an object`);
      }
      const { placement } = shelf as Record<string, unknown>;
      if (typeof placement !== 'string') {
        throw new InvalidInvocationError(`shelves[${i}].placement`, `"shelves[${i}].placement" must be a string`);
      }
      try {
        const { items, k, exclude } = checkInvocation({ ...(shelf as Record<string, unknown>), userId: undefined });
        return { placement, items, k, exclude };
      } catch (error) {
        if (!(error instanceof InvalidInvocationError)) throw error;
        throw new InvalidInvocationError(`shelves[${i}].${error.field}`, `shelves[${i}]: ${error.message}`);
      }
    }),
  };
}

/** Parses a request body into an invocation; throws an `InvalidInvocationError` saying what is wrong. */
export function parseInvocation(body: string): Invocation {
  return checkInvocation(parseObject(body));
}

function checkInvocation(raw: Record<string, unknown>): Invocation {
  const { userId, items, k, exclude, placement } = raw;
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
