/**
 * Erasure's side of the event store: every line naming an erased customer is cut out of the
 * segments (open, closed, `shipped/`, `shipped/purchases/`) and out of `quarantine/`. A file is
 * rewritten as the store writes everything it keeps: the kept lines to `<name>.erasing` in the
 * same folder, fdatasync'ed, given the old file's times (start-up and retention go by them), renamed
 * over the old one, and the folder synced — so a crash leaves the old file or the new one, never
 * half of either. A file with no such line is not touched.
 *
 * In a running proxy the store holds its segments still meanwhile (`EventLog.withSegmentsHeld`):
 * appends already begun are written and the open segment is closed first, and no segment is moved,
 * cut or deleted by shipping or retention while the rewrite runs. New appends go on into a fresh
 * segment; by then the customer is on the erased list, so none of them names the customer.
 */
import { createReadStream, readdirSync } from 'node:fs';
import { open, rename, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EventLog } from './event-log.ts';
import { listSegments, quarantineFolder, type SegmentFile } from './segment-files.ts';
import { lineChunks } from './segment-lines.ts';
import { dedupKeyOf } from './stored-line.ts';

/** Whether a stored line (its text, without the newline) names an erased customer. */
export type ErasedLine = (line: string) => boolean;

/** What one rewrite found. */
export interface FileErasure {
  /** Lines cut (or that would be, in a dry run). */
  lines: number;
  /** The idempotency keys (`dedupKeyOf`) of the events cut, for the fleet's window in Redis. */
  eventKeys: string[];
  /** The file's size afterwards. */
  bytes: number;
}

/** What the erasure did to the store, for its report. */
export interface StoreErasure {
  filesRewritten: number;
  lines: number;
  eventKeys: string[];
}

const temporarySuffix = '.erasing';
const idOf = /^\{"id":"([A-Za-z0-9_.:-]{8,64})"(,"namespace":"server")?/;

/** The idempotency key (`dedupKeyOf`) of a stored line, or undefined when it has no id. */
export function eventKeyOf(line: string): string | undefined {
  const match = idOf.exec(line);
  if (match) return dedupKeyOf({ id: match[1]!, namespace: match[2] ? 'server' : undefined });
  try {
    const event = JSON.parse(line) as { id?: unknown; namespace?: unknown };
    if (typeof event.id === 'string') {
      return dedupKeyOf({ id: event.id, namespace: event.namespace === 'server' ? 'server' : undefined });
    }
  } catch {}
  return undefined;
}

async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  await folder.sync().finally(() => folder.close());
}

/** Calls `line(text, last)` for each line of the file (`last`: a torn tail without its newline). */
async function eachLineOf(path: string, line: (text: string, last: boolean) => void, chunkDone?: () => Promise<void>) {
  const lines = lineChunks(createReadStream(path, { highWaterMark: 1 << 20 }));
  let next = await lines.next();
  for (; !next.done; next = await lines.next()) {
    const text = next.value.bytes.toString('utf8');
    for (const one of text.slice(0, -1).split('\n')) if (one !== '') line(one, false);
    await chunkDone?.();
  }
  const tail = next.value.tail.toString('utf8');
  if (tail !== '') line(tail, true);
}

/**
 * Rewrites the file at `path` without the lines `erased` names (unless `dryRun`): read once to find
 * them, and only when there are some, read again into the new file a chunk at a time (constant memory).
 */
export async function rewriteWithout(path: string, erased: ErasedLine, dryRun: boolean): Promise<FileErasure> {
  const found: FileErasure = { lines: 0, eventKeys: [], bytes: 0 };
  await eachLineOf(path, (text) => {
    if (!erased(text)) return;
    found.lines++;
    const key = eventKeyOf(text);
    if (key !== undefined) found.eventKeys.push(key);
  });
  if (found.lines === 0 || dryRun) return found;
  const temporary = `${path}${temporarySuffix}`;
  const out = await open(temporary, 'w');
  try {
    let kept: string[] = [];
    const flush = async (): Promise<void> => {
      const bytes = Buffer.from(kept.join(''));
      kept = [];
      if (bytes.length > 0) await out.write(bytes);
      found.bytes += bytes.length;
    };
    // A line torn by a crash stays as it was (without a newline), unless it names the customer.
    await eachLineOf(path, (text, last) => (erased(text) ? undefined : kept.push(last ? text : `${text}\n`)), flush);
    await flush();
    await out.datasync();
  } finally {
    await out.close();
  }
  const { atimeMs, mtimeMs } = await stat(path);
  await utimes(temporary, atimeMs / 1000, mtimeMs / 1000);
  await rename(temporary, path);
  await syncFolder(dirname(path));
  return found;
}

/** The quarantined line files of the folder `dir` (lines that did not parse at start may name a customer too). */
function quarantineFiles(dir: string): string[] {
  const folder = join(dir, quarantineFolder);
  try {
    return readdirSync(folder)
      .filter((name) => !name.endsWith(temporarySuffix))
      .map((name) => join(folder, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function rewriteAll(paths: readonly string[], erased: ErasedLine, dryRun: boolean): Promise<StoreErasure> {
  const result: StoreErasure = { filesRewritten: 0, lines: 0, eventKeys: [] };
  for (const path of paths) {
    const file = await rewriteWithout(path, erased, dryRun).catch((error: NodeJS.ErrnoException) => {
      // Deleted meanwhile (retention's disk bound): nothing of it is left to erase.
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!file || file.lines === 0) continue;
    result.filesRewritten++;
    result.lines += file.lines;
    result.eventKeys.push(...file.eventKeys);
  }
  return result;
}

/** Rewrites an event folder no proxy is writing (`npm run erase` with the proxy stopped). */
export async function eraseFromFolder(dir: string, erased: ErasedLine, dryRun: boolean): Promise<StoreErasure> {
  const segments = listSegments(dir).map((segment) => segment.path);
  return rewriteAll([...segments, ...quarantineFiles(dir)], erased, dryRun);
}

/** Rewrites the segments of a running store, holding them still meanwhile (see the top of this file). */
export async function eraseFromStore(store: EventLog, erased: ErasedLine, dryRun: boolean): Promise<StoreErasure> {
  return store.withSegmentsHeld(async (closed: Map<string, SegmentFile>) => {
    const result = await rewriteAll(
      [...closed.values()].map((segment) => segment.path),
      erased,
      dryRun,
    );
    if (!dryRun && result.filesRewritten > 0) {
      // The store's sizes follow the files (the disk bound and the metrics read them).
      for (const [name, segment] of closed) {
        const size = await stat(segment.path).then(
          (s) => s.size,
          () => undefined,
        );
        if (size === undefined) closed.delete(name);
        else if (size !== segment.bytes) closed.set(name, { ...segment, bytes: size });
      }
    }
    const quarantined = await rewriteAll(quarantineFiles(store.dir), erased, dryRun);
    return {
      filesRewritten: result.filesRewritten + quarantined.filesRewritten,
      lines: result.lines + quarantined.lines,
      eventKeys: [...result.eventKeys, ...quarantined.eventKeys],
    };
  });
}
