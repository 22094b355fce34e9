/**
 * One stored event is one line of JSON, `{"id":…,"type":…,…,"receivedAt":…}`: the
 * event as validated (its schema's key order, id first) plus the time the proxy received
 * it, last. An event the storefront's server sent carries `"namespace":"server"` right
 * after its id (`{"id":…,"namespace":"server","type":…}`); a browser's carries no
 * namespace, and neither does a line written before namespaces existed: both are `browser`.
 * Start-up must read millions of lines within seconds, and JSON.parse costs
 * about 2 µs a line, so the lines the proxy itself wrote are recognised from their bytes
 * (`scanStoredLine`); only purchases and lines of another shape are parsed.
 */
import { eventTypes, type ShelfEvent } from './shelf-event.ts';

/**
 * Who may have sent an event: `server` (a batch with the storefront server's key) or `browser`
 * (any other). An event's idempotency key is its namespace and its id, so a page can never
 * make a server's event with the same id a "duplicate".
 */
export type EventNamespace = 'server' | 'browser';

/**
 * An event as stored, with the time the proxy received it, its namespace (absent: `browser`)
 * and, since the holdout exists, the shopper's arm (`server/shoppers/holdout.ts`); older lines have no arm.
 */
export type StoredEvent = ShelfEvent & { namespace?: EventNamespace; arm?: 'model' | 'holdout'; receivedAt: number };

/**
 * The key an event is de-duplicated by: its namespace, a colon and its id. Unambiguous, since a
 * namespace holds no colon. A line written before namespaces counts as `browser`: after the upgrade,
 * the storefront's retry (within the window) of a server event stored before it is not recognised.
 */
export function dedupKeyOf(event: Pick<StoredEvent, 'id' | 'namespace'>): string {
  return `${event.namespace ?? 'browser'}:${event.id}`;
}

/** What start-up needs of a line, read from its bytes. */
export interface ScannedLine {
  idStart: number;
  idEnd: number;
  namespace: EventNamespace;
  type: (typeof eventTypes)[number];
  receivedAt: number;
}

const prefix = Buffer.from('{"id":"');
const typeKey = Buffer.from(',"type":"');
const serverNamespace = Buffer.from(',"namespace":"server"');
const receivedAtKey = Buffer.from(',"receivedAt":');
// By first letter; `impression` and `identify` share theirs, so the letter gives a short list to match.
const typeByFirstByte: Array<Array<readonly [ScannedLine['type'], Buffer]> | undefined> = [];
for (const t of eventTypes) (typeByFirstByte[t.charCodeAt(0)] ??= []).push([t, Buffer.from(`${t}"`)]);

/** 1 for a byte an id may hold (`[A-Za-z0-9_.:-]`, the schema's), else 0: one load per byte. */
const idByte = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') idByte[c.charCodeAt(0)] = 1;

// Plain loops rather than Buffer#compare: a native call per field costs more than the bytes.
const matches = (bytes: Buffer, at: number, expected: Buffer): boolean => {
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
};

// One result object, reused: start-up scans millions of lines and keeps none of them.
const scanned: ScannedLine = { idStart: 0, idEnd: 0, namespace: 'browser', type: 'click', receivedAt: 0 };

/**
 * Reads a line `[start, end)` (without its newline) written in the proxy's own shape, or
 * returns undefined for anything else (the caller then parses it, or quarantines it). The
 * result is overwritten by the next call.
 * A line that starts and ends right but is damaged in between would pass: the store never
 * writes after a torn line (it truncates a failed write, and starts a new segment at each
 * start), and `events:export` parses every line, skipping such a one.
 * Every loop is bounded by the field's longest form, so no read leaves the line.
 */
export function scanStoredLine(bytes: Buffer, start: number, end: number): ScannedLine | undefined {
  if (end - start < 40 || bytes[end - 1] !== 0x7d || !matches(bytes, start, prefix)) return;
  const idStart = start + 7;
  const idLimit = Math.min(end, idStart + 65);
  let idEnd = idStart;
  while (idEnd < idLimit && idByte[bytes[idEnd]!] === 1) idEnd++;
  if (idEnd - idStart < 8 || idEnd - idStart > 64 || bytes[idEnd] !== 0x22) return;
  // A server's event names its namespace between id and type; a browser's names none.
  let typeAt = idEnd + 1;
  const namespace = bytes[typeAt + 2] === 0x6e && matches(bytes, typeAt, serverNamespace) ? 'server' : 'browser';
  if (namespace === 'server') typeAt += serverNamespace.length;
  if (!matches(bytes, typeAt, typeKey)) return;
  const typeStart = typeAt + typeKey.length;
  const candidates = typeByFirstByte[bytes[typeStart]!];
  if (!candidates) return;
  let candidate: (typeof candidates)[number] | undefined;
  for (const c of candidates) if (matches(bytes, typeStart, c[1])) candidate = c;
  if (!candidate) return;
  // receivedAt: 13 to 15 digits before the closing brace, after its key.
  let digits = end - 1;
  const digitsLimit = Math.max(typeStart, end - 17);
  for (; digits > digitsLimit; digits--) {
    const b = bytes[digits - 1]!;
    if (b < 0x30 || b > 0x39) break;
  }
  const count = end - 1 - digits;
  if (count < 13 || count > 15 || !matches(bytes, digits - receivedAtKey.length, receivedAtKey)) return;
  let receivedAt = 0;
  for (let i = digits; i < end - 1; i++) receivedAt = receivedAt * 10 + bytes[i]! - 0x30;
  scanned.idStart = idStart;
  scanned.idEnd = idEnd;
  scanned.namespace = namespace;
  scanned.type = candidate[0];
  scanned.receivedAt = receivedAt;
  return scanned;
}

/** Parses a line of any key order; undefined when it is not a stored event. */
export function parseStoredLine(text: string): StoredEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const e = value as Partial<StoredEvent> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.id !== 'string' ||
    !/^[A-Za-z0-9_.:-]{8,64}$/.test(e.id) ||
    (e.namespace !== undefined && e.namespace !== 'server' && e.namespace !== 'browser') ||
    !(eventTypes as readonly unknown[]).includes(e.type) ||
    typeof e.itemId !== 'string' ||
    typeof e.receivedAt !== 'number' ||
    typeof e.ts !== 'number'
  )
    return;
  return e as StoredEvent;
}

/**
 * The line for an event received at `receivedAt` (the shape `scanStoredLine` reads): a server's
 * event with its namespace after the id, a browser's without one (as every line before namespaces).
 */
export function storedLine(event: ShelfEvent & { namespace?: EventNamespace }, receivedAt: number): string {
  const { id, namespace, ...fields } = event as StoredEvent;
  const { receivedAt: _earlier, ...rest } = fields;
  const line = namespace === 'server' ? { id, namespace, ...rest, receivedAt } : { id, ...rest, receivedAt };
  return `${JSON.stringify(line)}\n`;
}
