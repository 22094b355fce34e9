/**
 * `npm run events:export -- [options]`: the stored events as training input, streaming
 * (constant memory whatever the store's size), de-duplicated by id across instances,
 * timed by the proxy's receive time, customer ids pseudonymised when `RECO_PSEUDONYM_KEY`
 * is set (events read from the bucket were pseudonymised when shipped). A command for a person:
 * its summary and errors go to stderr with `console` (CONTRIBUTING.md "Logging"), the data to stdout or `--out`.
 *
 *   --dir DIR            the event folder (default: RECO_EVENTS_DIR, as the proxy)
 *   --s3                 read the bucket instead (RECO_EVENTS_S3_BUCKET / _PREFIX / _ENDPOINT)
 *   --types LIST|all     event types (default: purchase)
 *   --format csv|jsonl   the training CSV (default), or one stored event per line with its id
 *   --out FILE           write there (gzip when it ends in .gz); default: stdout
 *   --since TIME         only events received after TIME (ISO 8601 or epoch ms)
 *   --watermark FILE     incremental: read --since from FILE, and write the new watermark
 *                        there after a complete export (events of the last minute are left
 *                        for the next run, since a write may still be under way)
 */
import { createWriteStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { pseudonymizer } from '../../contracts/pseudonym.ts';
import { readCatalogFile } from '../../data/catalog.ts';
import { loadConfig } from '../config.ts';
import { eventsS3Client } from './segment-shipper.ts';
import { eventTypes } from './shelf-event.ts';
import { bucketSegments, folderSegments, storedEvents } from './stored-events.ts';
import { trainingCsvHeader, trainingCsvLine } from './training-export.ts';

const fail = (message: string): never => {
  console.error(`events:export: ${message}`);
  process.exit(2);
};

const config = loadConfig();
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: config.eventsDir },
    s3: { type: 'boolean', default: false },
    types: { type: 'string', default: 'purchase' },
    format: { type: 'string', default: 'csv' },
    out: { type: 'string' },
    since: { type: 'string' },
    watermark: { type: 'string' },
  },
});
const types = new Set<string>(values.types === 'all' ? eventTypes : values.types!.split(',').map((t) => t.trim()));
const unknown = [...types].filter((t) => !(eventTypes as readonly string[]).includes(t));
if (unknown.length > 0) fail(`unknown event type(s) ${unknown.join(', ')}; use ${eventTypes.join(', ')} or all`);
if (values.format !== 'csv' && values.format !== 'jsonl') fail('--format is csv or jsonl');

const parseTime = (text: string, what: string): number => {
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Date.parse(text.trim());
  return Number.isFinite(ms) ? ms : fail(`${what}: not a time: ${text}`);
};
let since = values.since === undefined ? undefined : parseTime(values.since, '--since');
if (values.watermark && existsSync(values.watermark)) {
  since = parseTime(readFileSync(values.watermark, 'utf8'), values.watermark);
}
const until = values.watermark ? Date.now() - 60_000 : undefined;

let segments: ReturnType<typeof folderSegments> | ReturnType<typeof bucketSegments>;
let pseudonymize = (id: string): string => id;
if (values.s3) {
  if (!config.eventsS3Bucket) fail('--s3 needs RECO_EVENTS_S3_BUCKET');
  segments = bucketSegments(eventsS3Client(config), { bucket: config.eventsS3Bucket!, prefix: config.eventsS3Prefix });
} else {
  segments = folderSegments(values.dir!);
  pseudonymize = pseudonymizer(config.pseudonymKey);
}

const out: Writable = values.out
  ? createWriteStream(values.out.endsWith('.gz') ? `${values.out}.part` : values.out)
  : process.stdout;
let sink: Writable = out;
if (values.out?.endsWith('.gz')) {
  sink = createGzip();
  sink.pipe(out);
}
const write = async (text: string): Promise<void> => {
  if (!sink.write(text)) await new Promise((resolve) => sink.once('drain', resolve));
};

const byId =
  values.format === 'csv' ? new Map(readCatalogFile().products.map((p) => [p.id, p])) : new Map<string, never>();
let lines = 0;
let latest = since ?? 0;
let badLines = 0;
if (values.format === 'csv') await write(`${trainingCsvHeader}\n`);
for await (const event of storedEvents(segments, {
  dedupHours: config.eventsDedupHours,
  segmentSeconds: config.eventsSegmentSeconds,
  onBadLine: () => badLines++,
  ...(since === undefined ? {} : { since }),
  ...(until === undefined ? {} : { until }),
})) {
  if (event.receivedAt > latest) latest = event.receivedAt;
  if (!types.has(event.type)) continue;
  const e = event.userId === undefined ? event : { ...event, userId: pseudonymize(event.userId) };
  const line = values.format === 'csv' ? trainingCsvLine(e, (id) => byId.get(id)) : JSON.stringify(e);
  if (line === undefined) continue;
  await write(`${line}\n`);
  lines++;
}
if (sink !== process.stdout) {
  sink.end();
  await finished(out);
  // The .gz appears whole or not at all.
  if (values.out?.endsWith('.gz')) renameSync(`${values.out}.part`, values.out);
}
if (values.watermark) writeFileSync(values.watermark, `${new Date(Math.max(latest, since ?? 0)).toISOString()}\n`);
console.error(
  `events:export: ${lines} ${values.format} lines${values.out ? ` → ${values.out}` : ''}` +
    (badLines ? ` (${badLines} lines that do not parse skipped)` : ''),
);
