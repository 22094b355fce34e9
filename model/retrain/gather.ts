/**
 * The retrain's input: the shop's purchase history (the UCI invoice parts in `data/`) plus
 * the purchase events the proxy stored, as `npm run events:export` writes them (event time =
 * the proxy's receive time, de-duplicated, pseudonymised when `RECO_PSEUDONYM_KEY` is set).
 *
 * Events are not put through the history's price and product-code rules: the export prices an
 * item from the catalog, so a product the catalog does not know yet comes out at price 0 — and
 * is exactly what the model must learn. Every malformed record stops the run (`tornData`):
 * half a file silently read would train a model on a biased sample.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pseudonymPrefix, pseudonymizer } from '../../contracts/pseudonym.ts';
import type { InvoiceLine } from '../../data/online-retail.ts';
import { readInvoiceLines } from '../../data/online-retail.ts';
import { cleaningRules, type Purchase } from '../../data/purchases.ts';
import { InvalidTrainingChannelError, readTrainingChannel } from '../training/training-channel.ts';
import { RetrainError } from './retrain-error.ts';
import { erasedPseudonyms } from '../../server/privacy/erasure-log.ts';

const DAY_MS = 86_400_000;

/** What to gather. */
export interface GatherOptions {
  /** Folder of `online_retail_partN.csv.gz` (the shop's history). */
  historyDir: string;
  /** Exported event CSVs (plain or `.gz`), or folders of them. */
  eventFiles: readonly string[];
  /** `RECO_PSEUDONYM_KEY`: history ids are pseudonymised with it, as the export did to the events. */
  pseudonymKey?: string | undefined;
  /**
   * Move the history forward in time so it ends the day before the first event or the test
   * period (whichever is earlier), when the two are more than 30 days apart. The demo's history
   * is a 2011 sample standing in for the shop's past; without this every past purchase would
   * look 15 years old to the recency features, and the candidate would lose the history's last
   * days to a test period of events placed in one afternoon.
   */
  rebaseHistory: boolean;
  /** The test period's length in days (the history is kept out of it when moved). */
  windowDays: number;
  /** The event folder whose erasure log names the erased customers: left out of history and events. */
  erasureLogDir?: string | undefined;
}

/** What was gathered, for the report. */
export interface Gathered {
  /** The history's purchases first (`history.purchases` of them), then the events'. */
  purchases: Purchase[];
  history: {
    lines: number;
    purchases: number;
    dropped: Record<string, number>;
    from: string;
    through: string;
    /** Days the history was moved forward (0 when it was not). */
    rebasedDays: number;
  };
  events: {
    files: string[];
    lines: number;
    purchases: number;
    customers: number;
    from: string;
    through: string;
    /** Items bought in events that the history never sold: the model learns them from these events. */
    newItems: string[];
  };
  /** T: epoch ms of the newest event. */
  newestEvent: number;
}

const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The event CSV files named: files as given, folders expanded to their `.csv` / `.csv.gz` files. */
function eventCsvFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new RetrainError('noNewEvents', `events: ${path} does not exist (export the events first, or drop it)`);
    }
    if (!isDir) return [path];
    return readdirSync(path)
      .filter((name) => /\.csv(\.gz)?$/.test(name))
      .sort()
      .map((name) => join(path, name));
  });
}

/** Reads and cleans the history; a part that is not whole gzip, or a cut record, stops the run. */
function readHistory(dir: string): { lines: InvoiceLine[]; purchases: Purchase[]; dropped: Record<string, number> } {
  let lines: InvoiceLine[];
  try {
    lines = readInvoiceLines(dir);
  } catch (error) {
    throw new RetrainError('tornData', `history: ${dir}: ${(error as Error).message}`);
  }
  // A record cut short leaves its later fields empty: no date, no quantity.
  const torn = lines.filter(
    (l) => !l.invoice || !l.stockCode || !Number.isFinite(l.time) || !Number.isFinite(l.quantity),
  );
  if (torn.length > 0) {
    const first = torn[0]!;
    throw new RetrainError(
      'tornData',
      `history: ${dir} holds ${torn.length} torn record(s), e.g. invoice ${first.invoice || '?'} ` +
        `item ${first.stockCode || '?'}: fields missing or unreadable`,
    );
  }
  const dropped: Record<string, number> = Object.fromEntries(cleaningRules.map((rule) => [rule.name, 0]));
  const purchases: Purchase[] = [];
  for (const line of lines) {
    const rule = cleaningRules.find((r) => r.drops(line));
    if (rule) dropped[rule.name]!++;
    else purchases.push({ ...line, stockCode: line.stockCode.toUpperCase() });
  }
  return { lines, purchases, dropped };
}

/** Gathers history and events into one purchase list, customers known by pseudonym when a key is set. */
export function gather(options: GatherOptions): Gathered {
  const history = readHistory(options.historyDir);
  let eventLines: InvoiceLine[];
  try {
    eventLines = readTrainingChannel(eventCsvFiles(options.eventFiles));
  } catch (error) {
    if (error instanceof InvalidTrainingChannelError) throw new RetrainError('tornData', error.message);
    throw error;
  }
  const key = options.pseudonymKey === '' ? undefined : options.pseudonymKey;
  const pseudonym = pseudonymizer(key);
  if (key === undefined && eventLines.some((l) => l.customerId.startsWith(pseudonymPrefix)))
    throw new RetrainError(
      'usage',
      'events are pseudonymised but RECO_PSEUDONYM_KEY is not set: set it to the key they were exported with',
    );
  // Erased customers (the erasure log) are learnt from no more, in the history as in the events.
  const erased = options.erasureLogDir === undefined ? new Set() : erasedPseudonyms(options.erasureLogDir);
  const kept = (p: Purchase): boolean => !erased.has(p.customerId);
  // The export already pseudonymised events when it had the key; raw ids (exported without it) are keyed here.
  const eventPurchases: Purchase[] = eventLines
    .filter((l) => l.customerId !== '')
    .map((l) => ({
      ...l,
      customerId: l.customerId.startsWith(pseudonymPrefix) ? l.customerId : pseudonym(l.customerId),
    }))
    .filter(kept);
  if (eventPurchases.length === 0)
    throw new RetrainError(
      'noNewEvents',
      `events: no purchase events with a customer in ${options.eventFiles.join(', ') || '(none given)'}; ` +
        'place orders in the shop, or check RECO_EVENTS_DIR',
    );
  let historyThrough = -Infinity;
  let historyFrom = Infinity;
  for (const p of history.purchases) {
    historyThrough = Math.max(historyThrough, p.time);
    historyFrom = Math.min(historyFrom, p.time);
  }
  let eventsFrom = Infinity;
  let newestEvent = -Infinity;
  for (const p of eventPurchases) {
    eventsFrom = Math.min(eventsFrom, p.time);
    newestEvent = Math.max(newestEvent, p.time);
  }
  const target = Math.min(eventsFrom, newestEvent - options.windowDays * DAY_MS) - DAY_MS;
  const rebasedDays =
    options.rebaseHistory && history.purchases.length > 0 && eventsFrom - historyThrough > 30 * DAY_MS
      ? Math.max(0, Math.floor((target - historyThrough) / DAY_MS))
      : 0;
  const shift = rebasedDays * DAY_MS;
  const historyPurchases = history.purchases
    .map((p) => ({
      ...p,
      time: p.time + shift,
      customerId: pseudonym(p.customerId),
    }))
    .filter(kept);
  const historyItems = new Set(historyPurchases.map((p) => p.stockCode));
  const newItems = [...new Set(eventPurchases.map((p) => p.stockCode))].filter((id) => !historyItems.has(id)).sort();
  return {
    purchases: [...historyPurchases, ...eventPurchases],
    history: {
      lines: history.lines.length,
      purchases: historyPurchases.length,
      dropped: history.dropped,
      from: day(historyFrom + shift),
      through: day(historyThrough + shift),
      rebasedDays,
    },
    events: {
      files: eventCsvFiles(options.eventFiles),
      lines: eventLines.length,
      purchases: eventPurchases.length,
      customers: new Set(eventPurchases.map((p) => p.customerId)).size,
      from: day(eventsFrom),
      through: day(newestEvent),
      newItems,
    },
    newestEvent,
  };
}
