/**
 * Keeps the rule book in step with its file (watched-file.ts): read once at start (a
 * bad file stops the start), then re-read on every change, including a symlink swap. A
 * bad edit keeps the last good rules and logs why. The `"model": false` kill switch
 * rides on this: an operator edits the file, no restart.
 */
import type { Logger } from 'pino';
import { parseRuleBook, type RuleBook } from './placement-rules.ts';
import { type WatchedFile, watchFile } from './watched-file.ts';

/** The live rule book of one file. */
export type PlacementFile = WatchedFile<RuleBook>;

/** Loads `path` and watches it; throws at once when the first read is bad. */
export function openPlacementFile(path: string, logger: Logger): PlacementFile {
  return watchFile(path, {
    what: 'placements',
    logger,
    parse: (text) => {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new Error(`placements: cannot read ${path}: ${(error as Error).message}`);
      }
      return parseRuleBook(json);
    },
  });
}
