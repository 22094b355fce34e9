/**
 * Edits one placement of the rules file for the admin page, the file staying the source of truth: the new
 * file is validated whole (the proxy's own parser), written to a temporary file beside it, flushed to disk,
 * recorded in the audit log, then renamed over the old one (and the folder flushed), so every instance
 * watching it (placement-file.ts) reads the old rules or the new, never half. A lock file beside it keeps two
 * instances' edits apart; an edit based on rules that changed since is refused.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseRuleBook } from '../shelf/placement-rules.ts';
import { formatRulesFile } from './rules-file-format.ts';

/** The rules file as JSON. */
export interface RulesDocument {
  model?: boolean;
  defaults: Record<string, unknown>;
  placements: Record<string, Record<string, unknown>>;
}

/** An edit refused because the placement changed since the editor read it. */
export class EditConflictError extends Error {
  override name = 'EditConflictError';
}

/** A placement's fields as text that two equal values share: the version an edit is based on. */
export function versionOf(fields: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(fields ?? null))
    .digest('hex')
    .slice(0, 16);
}

/** What an edit did: the placement's rules before it, its new version, and whether the file changed. */
export interface EditResult {
  before: Record<string, unknown> | null;
  version: string;
  changed: boolean;
}

/** How long a lock may be held before it is taken as left by a crashed instance. */
const staleLockMs = 10_000;
const lockWaitMs = 3_000;

function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Edits the rules file at `path` (a symlink is followed: the file it points at is replaced). */
export class RulesFileEditor {
  /** One edit at a time in this process; the lock file keeps other processes out. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The file as it is now. */
  read(): RulesDocument {
    return JSON.parse(readFileSync(this.path, 'utf8')) as RulesDocument;
  }

  /**
   * Sets placement `name`'s fields (`null` removes it) when its version is still `basedOn` (when given);
   * `record` writes the audit entry, after the new file is on disk and before it replaces the old one.
   * Throws `InvalidPlacementRulesError` (the message names the rule) or `EditConflictError`.
   */
  setPlacement(
    name: string,
    fields: Record<string, unknown> | null,
    basedOn: string | undefined,
    record: (before: Record<string, unknown> | null, after: Record<string, unknown> | null) => void,
  ): Promise<EditResult> {
    const edit = this.queue.then(() => this.underLock(() => this.apply(name, fields, basedOn, record)));
    this.queue = edit.catch(() => {});
    return edit;
  }

  private apply(
    name: string,
    fields: Record<string, unknown> | null,
    basedOn: string | undefined,
    record: (before: Record<string, unknown> | null, after: Record<string, unknown> | null) => void,
  ): EditResult {
    const target = realpathSync(this.path);
    const current = readFileSync(target, 'utf8');
    const doc = JSON.parse(current) as RulesDocument;
    const before = doc.placements[name] ?? null;
    if (basedOn !== undefined && basedOn !== versionOf(before))
      throw new EditConflictError(
        `placements.${name} changed since you opened it (someone else saved, or the file was edited): reload`,
      );
    const placements = { ...doc.placements };
    if (fields === null) delete placements[name];
    else placements[name] = fields;
    const next = { ...doc, placements };
    parseRuleBook(next);
    const text = formatRulesFile(next);
    // Nothing to write, to log or to reload.
    if (text === current) return { before, version: versionOf(fields), changed: false };
    const temp = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`);
    try {
      writeDurably(temp, text);
      record(before, fields);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
    syncFolder(dirname(target));
    return { before, version: versionOf(fields), changed: true };
  }

  /** Runs `work` holding `<file>.lock` (created exclusively; one older than `staleLockMs` is taken over). */
  private async underLock<T>(work: () => T): Promise<T> {
    const lock = `${realpathSync(this.path)}.lock`;
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        try {
          if (Date.now() - statSync(lock).mtimeMs > staleLockMs) rmSync(lock, { force: true });
        } catch {}
        if (Date.now() > deadline) throw new EditConflictError(`the rules file is locked by another edit (${lock})`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    try {
      return work();
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
