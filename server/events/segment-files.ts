/**
 * The layout of the event folder:
 * - `events-<UTC start, ms>-<instance>.jsonl`: segments, one JSON event a line; the newest
 *   one of this instance is the one being written, the others are closed;
 * - `shipped/`: closed segments already uploaded and verified (deleted after retention);
 * - `shipped/purchases/`: shipped segments past retention cut down to their purchases, kept
 *   while the recently-bought look-back still reaches them;
 * - `quarantine/`: lines that did not parse at start, one file per segment they came from;
 * - `instance-id`: this folder's instance id, made once.
 * Names sort by time, and carry the instance id so several proxies can share one bucket.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A segment file in the folder. */
export interface SegmentFile {
  name: string;
  path: string;
  /** Uploaded and verified (it lives in `shipped/`). */
  shipped: boolean;
  /** Cut down to its purchases (it lives in `shipped/purchases/`). */
  purchasesOnly?: boolean;
  bytes: number;
  /** Last write, epoch ms. */
  modifiedAt: number;
  /** When its first event was written, epoch ms (from the name). */
  startedAt: number;
}

const namePattern = /^events-(\d{8}T\d{9}Z)-([a-z0-9-]{1,40})\.jsonl$/;

/** The sub-folder of shipped segments. */
export const shippedFolder = 'shipped';
/** The sub-folder of shipped segments cut down to their purchases. */
export const purchasesFolder = join(shippedFolder, 'purchases');
/** The sub-folder of quarantined lines. */
export const quarantineFolder = 'quarantine';

/** `20261130T230103123Z` for an epoch-ms time: fixed width, so names sort by time. */
const compactTime = (ms: number): string => new Date(ms).toISOString().replace(/[-:.]/g, '');

/** The segment name for a segment started at `startedAt` by `instanceId`. */
export function segmentName(startedAt: number, instanceId: string): string {
  return `events-${compactTime(startedAt)}-${instanceId}.jsonl`;
}

/** When the segment named `name` started (epoch ms), or undefined for a name that is not a segment's. */
export function segmentStartedAt(name: string): number | undefined {
  const match = namePattern.exec(name);
  if (!match) return undefined;
  const t = match[1]!;
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:`;
  return Date.parse(`${iso}${t.slice(13, 15)}.${t.slice(15, 18)}Z`);
}

/** The instance id in the segment named `name`, or undefined for a name that is not a segment's. */
export function segmentInstance(name: string): string | undefined {
  return namePattern.exec(name)?.[2];
}

/** The segments in `dir` (and its `shipped/`, `shipped/purchases/`), oldest first. */
export function listSegments(dir: string): SegmentFile[] {
  const found: SegmentFile[] = [];
  const names = new Set<string>();
  for (const [folder, shipped, purchasesOnly] of [
    [dir, false, false],
    [join(dir, shippedFolder), true, false],
    [join(dir, purchasesFolder), true, true],
  ] as const) {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const name of entries) {
      const startedAt = segmentStartedAt(name);
      // A segment both whole and cut down (a crash between the two steps): the whole one counts.
      if (startedAt === undefined || names.has(name)) continue;
      names.add(name);
      const path = join(folder, name);
      const stat = statSync(path);
      const segment: SegmentFile = { name, path, shipped, bytes: stat.size, modifiedAt: stat.mtimeMs, startedAt };
      found.push(purchasesOnly ? { ...segment, purchasesOnly } : segment);
    }
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * This folder's instance id: the host name (cut, in lower case) and a random suffix made
 * the first time and kept in `instance-id`, so restarts keep it and two folders never share it.
 */
export function instanceIdOf(dir: string): string {
  const file = join(dir, 'instance-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[a-z0-9-]{1,40}$/.test(id)) return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const host = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 24);
  const id = `${host || 'proxy'}-${randomBytes(4).toString('hex')}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}
