/**
 * Which stored lines name an erased customer. A line names its customer in `userId`: the raw id in
 * the proxy's own segments, the pseudonym in the bucket (shipping pseudonymised it). Each `userId`
 * of the line counts, wherever it sits, so a line of another shape is judged too.
 */
import type { ErasedLine } from '../events/segment-erasure.ts';

const userIdField = /"userId":"((?:[^"\\]|\\.)*)"/g;

function userIdsOf(line: string): string[] {
  if (!line.includes('"userId":')) return [];
  return [...line.matchAll(userIdField)].map(([, raw]) =>
    raw!.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw!,
  );
}

/** For the proxy's segments: a line whose customer id pseudonymises to an erased pseudonym. */
export function localLineErased(
  isErased: (pseudonym: string) => boolean,
  pseudonymOf: (customerId: string) => string,
): ErasedLine {
  // One HMAC per customer, not per line: a folder holds many lines of each.
  const known = new Map<string, boolean>();
  const erased = (id: string): boolean => {
    let answer = known.get(id);
    if (answer === undefined) known.set(id, (answer = isErased(pseudonymOf(id))));
    return answer;
  };
  return (line) => userIdsOf(line).some(erased);
}

/** For the bucket's objects: a line whose (pseudonymised) customer is erased. */
export function shippedLineErased(isErased: (pseudonym: string) => boolean): ErasedLine {
  return (line) => userIdsOf(line).some((id) => isErased(id));
}
