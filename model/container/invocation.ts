/**
 * Checks an `/invocations` body against the contract (`contracts/invocation.ts`,
 * docs/contracts.md "Proxy → endpoint") by hand: it runs on every call and must cost microseconds.
 */
import { type Invocation, invocationLimits } from '../../contracts/invocation.ts';

export type { Invocation };
export { invocationLimits };

function stringList(value: unknown, field: string, max: number): string[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return `"${field}" must be an array of strings`;
  if (value.length > max) return `"${field}" holds ${value.length} ids; at most ${max}`;
  for (const id of value) {
    if (typeof id !== 'string' || id.length === 0 || id.length > invocationLimits.maxIdLength) {
      return `"${field}" must hold non-empty strings of at most ${invocationLimits.maxIdLength} characters`;
    }
  }
  return value as string[];
}

/** Parses a request body; returns the invocation or a message saying what is wrong. */
export function parseInvocation(body: string): Invocation | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { error: 'body is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'body must be a JSON object' };
  const { userId, items, k, exclude, placement } = raw as Record<string, unknown>;
  if (
    userId !== undefined &&
    userId !== null &&
    (typeof userId !== 'string' || userId.length > invocationLimits.maxIdLength)
  ) {
    return { error: `"userId" must be a string of at most ${invocationLimits.maxIdLength} characters` };
  }
  if (k !== undefined && !(Number.isInteger(k) && (k as number) >= 1 && (k as number) <= invocationLimits.maxK)) {
    return { error: `"k" must be an integer from 1 to ${invocationLimits.maxK}` };
  }
  if (placement !== undefined && typeof placement !== 'string') return { error: '"placement" must be a string' };
  const itemList = stringList(items, 'items', invocationLimits.maxItems);
  if (typeof itemList === 'string') return { error: itemList };
  const excludeList = stringList(exclude, 'exclude', invocationLimits.maxExclude);
  if (typeof excludeList === 'string') return { error: excludeList };
  return {
    ...(typeof userId === 'string' && userId !== '' ? { userId } : {}),
    items: itemList,
    k: (k as number | undefined) ?? invocationLimits.defaultK,
    exclude: excludeList,
    ...(typeof placement === 'string' ? { placement } : {}),
  };
}
