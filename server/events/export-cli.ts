/**
 * `npm run events:export -- [options]`: the stored events as training input, streaming
 * (constant memory whatever the store's size), de-duplicated by (namespace, id) across instances,
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
 *   --watermark FILE     incremental: only the segments no earlier run exported, recorded in
 *                        FILE after a complete export as the newest segment exported per
 *                        instance (an instance ships its segments oldest first, one at a time,
 *                        a failed one holding back the next: so a segment shipped late is still
 *                        exported, once). With --dir, the newest unshipped segment of each
 *                        instance (a proxy may still be writing it) is left for the next run.
 *                        A FILE holding one time (written before) is read as --since, once.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { pseudonymizer } from '../../contracts/pseudonym.ts';
import { readCatalogFile } from '../../data/catalog.ts';
import { loadConfig } from '../config.ts';
import { segmentInstance } from './segment-files.ts';
import { eventsS3Client } from './segment-shipper.ts';
import { eventTypes } from './shelf-event.ts';
import { bucketSegments, folderSegments, type SegmentSource, storedEvents } from './stored-events.ts';
import { trainingCsvHeader } from '../../contracts/training-channel.ts';
import { sessionCustomers, trainingCsvLine, withCustomer } from './training-export.ts';

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

/** The watermark file: per instance, the newest of its segments exported (names sort by time). */
const watermarkFile = z.object({ exportedThrough: z.record(z.string(), z.string()) });
let exportedThrough: Record<string, string> = {};
if (values.watermark && existsSync(values.watermark)) {
  const text = readFileSync(values.watermark, 'utf8').trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      fail(`${values.watermark}: not JSON (${(error as Error).name}: ${(error as Error).message})`);
    }
    const checked = watermarkFile.safeParse(parsed);
    if (!checked.success) fail(`${values.watermark}: not a watermark: ${checked.error.issues[0]?.message}`);
    exportedThrough = checked.data!.exportedThrough;
  } else {
    // A watermark from before segments were tracked: the time it holds, once.
    since = parseTime(text, values.watermark);
  }
}
const exported = (name: string): boolean => {
  const through = exportedThrough[segmentInstance(name) ?? ''];
  return through !== undefined && name <= through;
};
/** Per instance, the newest segment this run exported whole. */
const doneThrough: Record<string, string> = {};
let segmentsRead = 0;
const segmentDone = (name: string): void => {
  segmentsRead++;
  const instance = segmentInstance(name);
  if (instance !== undefined && !(name <= (doneThrough[instance] ?? ''))) doneThrough[instance] = name;
};

let pseudonymize = (id: string): string => id;
if (values.s3 && !config.eventsS3Bucket) fail('--s3 needs RECO_EVENTS_S3_BUCKET');
if (!values.s3) pseudonymize = pseudonymizer(config.pseudonymKey);
const openSegments = (): Iterable<SegmentSource> | AsyncIterable<SegmentSource> =>
  values.s3
    ? bucketSegments(eventsS3Client(config), { bucket: config.eventsS3Bucket!, prefix: config.eventsS3Prefix })
    : folderSegments(values.dir!);
// A first pass for the sign-ins: a session's events before its `identify` count for the customer too. (With
// --watermark, a session's events in segments exported by an earlier run stay as they were exported: anonymous.)
const customers = await sessionCustomers(
  storedEvents(openSegments(), {
    dedupHours: config.eventsDedupHours,
    segmentSeconds: config.eventsSegmentSeconds,
    ...(since === undefined ? {} : { since }),
  }),
);
let segments = openSegments();
if (values.watermark) {
  const all = segments;
  segments = (async function* () {
    for await (const segment of all) if (!segment.mayBeOpen) yield segment;
  })();
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
let badLines = 0;
if (values.format === 'csv') await write(`${trainingCsvHeader}\n`);
for await (const event of storedEvents(segments, {
  dedupHours: config.eventsDedupHours,
  segmentSeconds: config.eventsSegmentSeconds,
  onBadLine: () => badLines++,
  exported,
  onSegmentDone: segmentDone,
  ...(since === undefined ? {} : { since }),
})) {
  if (!types.has(event.type)) continue;
  const joined = withCustomer(event, customers);
  const e = joined.userId === undefined ? joined : { ...joined, userId: pseudonymize(joined.userId) };
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
if (values.watermark) {
  // Written whole or not at all: a run that stopped half-way exports its segments again next time.
  const through = { ...exportedThrough };
  for (const [instance, name] of Object.entries(doneThrough)) {
    if (!(name <= (through[instance] ?? ''))) through[instance] = name;
  }
  writeFileSync(`${values.watermark}.part`, `${JSON.stringify({ exportedThrough: through }, null, 2)}\n`);
  renameSync(`${values.watermark}.part`, values.watermark);
}
console.error(
  `events:export: ${lines} ${values.format} lines${values.out ? ` → ${values.out}` : ''}` +
    (values.watermark ? ` from ${segmentsRead} segment(s) not exported before` : '') +
    (badLines ? ` (${badLines} lines that do not parse skipped)` : ''),
);
