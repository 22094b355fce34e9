/**
 * Keeps a value in step with the file it is read from: read once at start (a bad file
 * stops the start), then read again on every change and swapped in whole, so a reader
 * sees the old value or the new one, never half of each. A bad edit keeps the last good
 * value and logs why. Changes are seen however the file is replaced: written in place,
 * renamed over by an editor, or swapped through a symlink the way Kubernetes updates a
 * mounted ConfigMap (`file -> ..data/file`, then `..data` re-pointed at a new folder).
 */
import { type FSWatcher, readFileSync, realpathSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

/** The live value of one file. */
export interface WatchedFile<T> {
  /** The last good value. */
  current(): T;
  /** How many times a good value was loaded (1 after start). */
  readonly generation: number;
  close(): void;
}

/** How to turn the file's text into a value, and what to call it in logs. */
export interface WatchOptions<T> {
  /** Throws, with a message that says what is wrong, when the text is not a good value. */
  parse: (text: string) => T;
  /** A short name for logs, e.g. `placements`. */
  what: string;
  logger: Logger;
  /** How long changes must settle before the file is read (ms); default 50. */
  settleMs?: number;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${what}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Loads `path` and watches it; throws at once when the first read is bad. */
export function watchFile<T>(path: string, options: WatchOptions<T>): WatchedFile<T> {
  const { parse, what, logger } = options;
  let text = readText(path, what);
  let value = parse(text);
  let generation = 1;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Folder → watcher. The file's own folder sees renames over it and symlink swaps next to it;
  // the folder it resolves to sees writes to the target of a symlink.
  const watchers = new Map<string, FSWatcher>();

  const reload = (): void => {
    let next: string;
    try {
      next = readText(path, what);
      // Any event in a watched folder brings us here; an unchanged file is no new generation.
      if (next !== text) {
        value = parse(next);
        text = next;
        generation++;
        logger.info({ path, generation }, `${what}: reloaded`);
      }
    } catch (error) {
      // The error itself, so the log keeps its name (SyntaxError, ZodError, …), not just its message.
      logger.error({ path, err: error }, `${what}: bad edit ignored, keeping the last good one`);
    }
    watchFolders();
  };
  const changed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(reload, options.settleMs ?? 50);
  };
  const watchFolders = (): void => {
    if (closed) return;
    const folders = new Set([dirname(path)]);
    try {
      folders.add(dirname(realpathSync(path)));
    } catch {}
    for (const [folder, watcher] of watchers) {
      if (folders.has(folder)) continue;
      watcher.close();
      watchers.delete(folder);
    }
    for (const folder of folders) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, changed);
        // A folder removed under us (an old ConfigMap version) ends its watcher; the next reload re-resolves.
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(folder);
        });
        watcher.unref();
        watchers.set(folder, watcher);
      } catch {}
    }
  };
  watchFolders();
  return {
    current: () => value,
    get generation() {
      return generation;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
