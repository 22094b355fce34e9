/**
 * One stored event is one line of JSON, `{"id":…,"type":…,…,"receivedAt":…}`: the
 * event as validated (its schema's key order, id first) plus the time the proxy received
 * it, last. Start-up must read millions of lines within seconds, and JSON.parse costs
 * about 2 µs a line, so the lines the proxy itself wrote are recognised from their bytes
 * (`scanStoredLine`); only purchases and lines of another shape are parsed.
 */
import { eventTypes, type ShelfEvent } from './shelf-event.ts';

/**
 * An event as stored, with the time the proxy received it and, since the holdout exists,
 * the shopper's arm (`server/holdout.ts`); older lines have no arm.
 */
export type StoredEvent = ShelfEvent & { arm?: 'model' | 'holdout'; receivedAt: number };

/** What start-up needs of a line, read from its bytes. */
export interface ScannedLine {
  idStart: number;
  idEnd: number;
  type: (typeof eventTypes)[number];
  receivedAt: number;
}

const prefix = Buffer.from('{"id":"');
const typeKey = Buffer.from(',"type":"');
const receivedAtKey = Buffer.from(',"receivedAt":');
const typeByFirstByte: Array<readonly [ScannedLine['type'], Buffer] | undefined> = [];
for (const t of eventTypes) typeByFirstByte[t.charCodeAt(0)] = [t, Buffer.from(`${t}"`)];

const isIdByte = (b: number): boolean =>
  (b >= 0x30 && b <= 0x3a) || // 0-9 and :
  (b >= 0x41 && b <= 0x5a) || // A-Z
  (b >= 0x61 && b <= 0x7a) || // a-z
  b === 0x5f || // _
  b === 0x2e || // .
  b === 0x2d; // -

// Plain loops rather than Buffer#compare: a native call per field costs more than the bytes.
const matches = (bytes: Buffer, at: number, expected: Buffer): boolean => {
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
};

// One result object, reused: start-up scans millions of lines and keeps none of them.
const scanned: ScannedLine = { idStart: 0, idEnd: 0, type: 'click', receivedAt: 0 };

/**
 * Reads a line `[start, end)` (without its newline) written in the proxy's own shape, or
 * returns undefined for anything else (the caller then parses it, or quarantines it). The
 * result is overwritten by the next call.
 * A line that starts and ends right but is damaged in between would pass: the store never
 * writes after a torn line (it truncates a failed write, and starts a new segment at each
 * start), and `events:export` parses every line, skipping such a one.
 */
export function scanStoredLine(bytes: Buffer, start: number, end: number): ScannedLine | undefined {
  if (end - start < 40 || bytes[end - 1] !== 0x7d || !matches(bytes, start, prefix)) return;
  const idStart = start + 7;
  let idEnd = idStart;
  while (idEnd < end && isIdByte(bytes[idEnd]!)) idEnd++;
  if (bytes[idEnd] !== 0x22 || idEnd - idStart < 8 || idEnd - idStart > 64) return;
  if (!matches(bytes, idEnd + 1, typeKey)) return;
  const typeStart = idEnd + 1 + typeKey.length;
  // The first letter tells the four types apart.
  const candidate = typeByFirstByte[bytes[typeStart]!];
  if (!candidate || !matches(bytes, typeStart, candidate[1])) return;
  const type = candidate[0];
  let digits = end - 1;
  while (digits > start && bytes[digits - 1]! >= 0x30 && bytes[digits - 1]! <= 0x39) digits--;
  if (end - 1 - digits < 13 || end - 1 - digits > 15 || !matches(bytes, digits - receivedAtKey.length, receivedAtKey))
    return;
  let receivedAt = 0;
  for (let i = digits; i < end - 1; i++) receivedAt = receivedAt * 10 + bytes[i]! - 0x30;
  scanned.idStart = idStart;
  scanned.idEnd = idEnd;
  scanned.type = type;
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
    !(eventTypes as readonly unknown[]).includes(e.type) ||
    typeof e.itemId !== 'string' ||
    typeof e.receivedAt !== 'number' ||
    typeof e.ts !== 'number'
  )
    return;
  return e as StoredEvent;
}

/** The line for an event received at `receivedAt` (the shape `scanStoredLine` reads). */
export function storedLine(event: ShelfEvent, receivedAt: number): string {
  return `${JSON.stringify({ ...event, receivedAt })}\n`;
}
