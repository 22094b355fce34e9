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
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pseudonymPrefix, pseudonymizer } from '../../contracts/pseudonym.ts';
import type { InvoiceLine } from '../../data/online-retail.ts';
import { readInvoiceLines } from '../../data/online-retail.ts';
import { cleaningRules, type Purchase } from '../../data/purchases.ts';
import { trainingCsvHeader } from '../../server/events/training-export.ts';
import { RetrainError } from './retrain-error.ts';

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
   * window (whichever is earlier), when the two are more than 30 days apart. The demo's history
   * is a 2011 sample standing in for the shop's past; without this every past purchase would
   * look 15 years old to the recency features, and the candidate would lose the history's last
   * days to a test window of events placed in one afternoon.
   */
  rebaseHistory: boolean;
  /** The test window's length in days (the history is kept out of it when moved). */
  windowDays: number;
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

/**
 * Splits CSV text into records (RFC 4180: quoted fields may hold commas, quotes and newlines);
 * throws on a quote left open at the end, the mark of a file cut mid-record.
 */
export function parseCsv(text: string, source: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new RetrainError('tornData', `${source}: a quoted field is never closed (the file is cut)`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

function readMaybeGzip(file: string): string {
  const bytes = readFileSync(file);
  if (!file.endsWith('.gz')) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw new RetrainError('tornData', `${file}: not a whole gzip file (${(error as Error).message})`);
  }
}

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

/** Reads exported event CSVs strictly: the export's header, eight fields per record, a date on each. */
export function readEventLines(files: readonly string[]): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  for (const file of files) {
    const records = parseCsv(readMaybeGzip(file), file);
    if (records.length === 0) continue;
    const header = records[0]!.join(',');
    if (header !== trainingCsvHeader)
      throw new RetrainError('tornData', `${file}: header is "${header.slice(0, 80)}", not the export's`);
    records.slice(1).forEach((fields, r) => {
      if (fields.length === 1 && fields[0] === '') return;
      const [invoice = '', stockCode = '', description = '', quantity = '', date = '', price = '', customer = ''] =
        fields;
      const time = Date.parse(`${date.replace(' ', 'T')}Z`);
      if (fields.length !== 8 || !invoice || !stockCode || !Number.isFinite(time) || !(Number(quantity) > 0))
        throw new RetrainError('tornData', `${file}: record ${r + 2} is torn or malformed: ${fields.join(',')}`);
      lines.push({
        invoice,
        stockCode: stockCode.toUpperCase(),
        description,
        quantity: Number(quantity),
        time,
        unitPrice: Number(price),
        customerId: customer,
        country: fields[7] ?? '',
      });
    });
  }
  return lines;
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
  const eventLines = readEventLines(eventCsvFiles(options.eventFiles));
  const key = options.pseudonymKey === '' ? undefined : options.pseudonymKey;
  const pseudonym = pseudonymizer(key);
  if (key === undefined && eventLines.some((l) => l.customerId.startsWith(pseudonymPrefix)))
    throw new RetrainError(
      'usage',
      'events are pseudonymised but RECO_PSEUDONYM_KEY is not set: set it to the key they were exported with',
    );
  // The export already pseudonymised events when it had the key; raw ids (exported without it) are keyed here.
  const eventPurchases: Purchase[] = eventLines
    .filter((l) => l.customerId !== '')
    .map((l) => ({
      ...l,
      customerId: l.customerId.startsWith(pseudonymPrefix) ? l.customerId : pseudonym(l.customerId),
    }));
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
  const historyPurchases = history.purchases.map((p) => ({
    ...p,
    time: p.time + shift,
    customerId: pseudonym(p.customerId),
  }));
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
