/**
 * Reads an endpoint's data capture laid out as SageMaker writes it
 * (`<dir>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`, `contracts/data-capture.ts`): a local copy
 * of the S3 prefix (`aws s3 sync s3://…/data-capture DIR`) or the local stand-in's folder. Only the
 * hours that can hold calls of the window are opened. A single call is one shelf; a batch call
 * (`shelves`) is one shelf per entry, all with the call's InferenceId (the proxy's requestId of
 * the page's first shelf). A line that is not a capture record, or whose payloads are not the
 * invocation contract's, is counted, never fatal.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CaptureRecord, hourOfCapturePath, payloadText } from '../../contracts/data-capture.ts';

const HOUR_MS = 3_600_000;

/** One shelf asked of the endpoint and what it answered. */
export interface CapturedShelf {
  variant: string;
  eventId: string;
  inferenceId: string | undefined;
  /** Epoch ms of the call. */
  at: number;
  asked: { userId?: string; items: string[]; k?: number; exclude: string[]; placement?: string };
  answered: string[];
  modelVersion: string | undefined;
}

/** What was read, and what could not be. */
export interface CaptureReading {
  shelves: CapturedShelf[];
  files: number;
  records: number;
  badLines: number;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const ids = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map((r) => (r as { itemId?: unknown })?.itemId).filter((x): x is string => typeof x === 'string')
    : [];

/** The shelves of one record; throws on a record that is not a capture of the invocation contract. */
export function shelvesOfRecord(record: CaptureRecord, variant: string): CapturedShelf[] {
  const { endpointInput, endpointOutput } = record.captureData;
  const input = JSON.parse(payloadText(endpointInput)) as Record<string, unknown>;
  const output = JSON.parse(payloadText(endpointOutput)) as Record<string, unknown>;
  const at = Date.parse(record.eventMetadata.inferenceTime);
  if (!Number.isFinite(at)) throw new Error('inferenceTime is not a time');
  const base = {
    variant,
    eventId: record.eventMetadata.eventId,
    inferenceId: record.eventMetadata.inferenceId,
    at,
    modelVersion: typeof output.modelVersion === 'string' ? output.modelVersion : undefined,
  };
  const userId = typeof input.userId === 'string' && input.userId !== '' ? { userId: input.userId } : {};
  const asked = (shelf: Record<string, unknown>): CapturedShelf['asked'] => ({
    ...userId,
    items: strings(shelf.items),
    exclude: strings(shelf.exclude),
    ...(typeof shelf.k === 'number' ? { k: shelf.k } : {}),
    ...(typeof shelf.placement === 'string' ? { placement: shelf.placement } : {}),
  });
  if (Array.isArray(input.shelves)) {
    const answers = Array.isArray(output.shelves) ? (output.shelves as Array<Record<string, unknown>>) : [];
    return (input.shelves as Array<Record<string, unknown>>).map((shelf, i) => ({
      ...base,
      asked: asked(shelf),
      answered: ids(answers[i]?.recommendations),
    }));
  }
  return [{ ...base, asked: asked(input), answered: ids(output.recommendations) }];
}

/** The captured shelves of `endpoint` (every variant) called in [from, to), oldest first. */
export function readCapturedShelves(dir: string, endpoint: string, from: number, to: number): CaptureReading {
  const reading: CaptureReading = { shelves: [], files: 0, records: 0, badLines: 0 };
  const endpointDir = join(dir, endpoint);
  if (!existsSync(endpointDir)) return reading;
  const list = (path: string): string[] =>
    readdirSync(path, { withFileTypes: true })
      .map((e) => e.name)
      .sort();
  for (const variant of list(endpointDir)) {
    const walk = (path: string, parts: string[]): void => {
      if (parts.length === 4) {
        const hour = hourOfCapturePath(parts);
        // A file of hour h holds calls of that hour; a late flush may spill into the next one.
        if (hour === undefined || hour + 2 * HOUR_MS <= from || hour >= to) return;
        for (const name of list(path).filter((n) => n.endsWith('.jsonl'))) readFile(join(path, name), variant);
        return;
      }
      for (const next of readdirSync(path, { withFileTypes: true }))
        if (next.isDirectory() && /^\d+$/.test(next.name)) walk(join(path, next.name), [...parts, next.name]);
    };
    walk(join(endpointDir, variant), []);
  }
  function readFile(file: string, variant: string): void {
    reading.files++;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const shelves = shelvesOfRecord(JSON.parse(line) as CaptureRecord, variant);
        reading.records++;
        for (const s of shelves) if (s.at >= from && s.at < to) reading.shelves.push(s);
      } catch {
        reading.badLines++;
      }
    }
  }
  reading.shelves.sort((a, b) => a.at - b.at || a.eventId.localeCompare(b.eventId));
  return reading;
}
