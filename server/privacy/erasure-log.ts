/**
 * The erasure log: one JSON line per step of an erasure, keyed by the customer's pseudonym
 * (`contracts/pseudonym.ts`), never the raw id — it records that a customer was erased, so it must
 * not name them. It lives in the event folder (`erasure-log.jsonl`, beside the segments it speaks
 * of) and is appended with `O_APPEND`, each line written whole and fdatasync'ed before the step
 * counts as done (the folder synced when the file is made), so a power cut never loses a record
 * nor leaves half of one that a reader would take. Several writers (a proxy and `npm run erase`) may
 * append: each line is one `write` of less than a page, which a local file system does not interleave.
 *
 * It is also the list of who is erased: the proxy stops personalising for every pseudonym in it
 * (`erased-customers.ts`) and the retrain leaves them out (`erasedPseudonyms`, read by
 * `model/retrain/gather.ts`).
 */
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pseudonymPrefix } from '../../contracts/pseudonym.ts';

/** The log's file name in the event folder. */
export const erasureLogName = 'erasure-log.jsonl';

/** One step of an erasure, as logged. */
export interface ErasureRecord {
  /** When the step was done, ISO 8601 UTC. */
  at: string;
  /** `p_…`: the customer's pseudonym. */
  pseudonym: string;
  /**
   * `requested`: the customer is on the erased list from now on; `instance`: one proxy's own copies
   * (its segments, its caches) are gone; `done`: every store was searched and rewritten.
   */
  step: 'requested' | 'instance' | 'done';
  /** The instance (event folder) that did the step. */
  instance: string;
  /** Who asked (the admin user, or `cli`). */
  by?: string;
  /** What was removed, per store (counts only). */
  removed?: Record<string, unknown>;
}

const pseudonymPattern = new RegExp(`^${pseudonymPrefix}[A-Za-z0-9_-]{22}$`);

/** The log's path in the event folder `dir`. */
export const erasureLogPath = (dir: string): string => join(dir, erasureLogName);

/** Appends `record` to the log in `dir`; resolves once it is durable. */
export async function appendErasureRecord(dir: string, record: ErasureRecord): Promise<void> {
  if (!pseudonymPattern.test(record.pseudonym)) throw new Error(`erasure log: ${record.pseudonym} is not a pseudonym`);
  const path = erasureLogPath(dir);
  let created = false;
  try {
    closeSync(openSync(path, 'wx'));
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (created) {
    // The new name must survive a power cut, as a new segment's does.
    const folder = openSync(dir, 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }
  const file = await open(path, 'a');
  try {
    await file.write(`${JSON.stringify(record)}\n`);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** Every record of the log in `dir` (none when it does not exist); a torn last line is skipped. */
export function readErasureLog(dir: string): ErasureRecord[] {
  let text: string;
  try {
    text = readFileSync(erasureLogPath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ErasureRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const record = JSON.parse(line) as ErasureRecord;
      if (typeof record.pseudonym === 'string' && pseudonymPattern.test(record.pseudonym)) records.push(record);
    } catch {
      // A line torn by a crash mid-append was never acknowledged.
    }
  }
  return records;
}

/** The pseudonyms of every customer erased (asked for) in the event folder `dir`. */
export function erasedPseudonyms(dir: string): Set<string> {
  return new Set(readErasureLog(dir).map((record) => record.pseudonym));
}
