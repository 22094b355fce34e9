/**
 * Keeps the rule book in step with its file: read once at start (a bad file
 * stops the start), then re-read on every change. A bad edit keeps the last
 * good rules and logs why.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { parseRuleBook, type RuleBook } from './placement-rules.ts';

/** The live rule book of one file. */
export interface PlacementFile {
  /** The last good rules. */
  current(): RuleBook;
  /** How many times good rules were loaded (1 after start). */
  readonly generation: number;
  close(): void;
}

function read(path: string): RuleBook {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`placements: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseRuleBook(json);
}

/** Loads `path` and watches it; throws at once when the first read is bad. */
export function openPlacementFile(path: string, logger: Logger): PlacementFile {
  let book = read(path);
  let generation = 1;
  let timer: NodeJS.Timeout | undefined;
  const reload = (): void => {
    try {
      book = read(path);
      generation++;
      logger.info({ path, generation }, 'placements: reloaded');
    } catch (error) {
      logger.error(
        { path, err: (error as Error).message },
        'placements: bad edit ignored, keeping the last good rules',
      );
    }
  };
  // Editors often replace the file rather than write it, so watch its folder.
  let watcher: FSWatcher | undefined = watch(dirname(path), (_event, file) => {
    if (file !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 50);
  });
  watcher.unref();
  return {
    current: () => book,
    get generation() {
      return generation;
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
