/**
 * `npm run monitor -- [options]`: the model monitor. Reads what the proxy saw (the stored events,
 * as `events:export` does) and what the endpoint answered (its data capture, laid out as SageMaker
 * writes it), compares them with the baseline written at training time (Model Monitor's
 * statistics, constraints and violations, `capture-monitor.ts`), and, when the serving artifact is
 * at hand, adds the figures read from it (`report.ts`). Writes a JSON report and a Prometheus
 * textfile, and prints a summary. Meant to run on a schedule (docs/operator-guide.md
 * "Monitoring"); it never fails for lack of data: each figure says so instead.
 *
 *   --dir DIR            the event folder (default: RECO_EVENTS_DIR, as the proxy)
 *   --capture-dir DIR    the data capture: the endpoint's DestinationS3Uri (s3://…, the window's hours are
 *                        copied to var/data-capture-s3/) or a local copy of it (default var/data-capture)
 *   --endpoint NAME      the endpoint whose capture is read (default: SAGEMAKER_ENDPOINT_NAME, as the proxy)
 *   --baseline DIR       statistics.json and constraints.json (default: the artifact's baseline/)
 *   --horizon-days N     purchases this many days after a shelf are its ground truth (default 7)
 *   --k N                the served shelf's length for the live NDCG (default 8, the home placement's)
 *   --monitor-dir DIR    Model Monitor's files: data-quality/, model-quality/ (default var/monitor)
 *   --suggest-baseline DIR  write a baseline from the last --days of capture and purchases instead (a
 *                        model that wrote none: another language's), then stop
 *   --model-dir DIR      the serving artifact, if any (default: model/artifacts/model)
 *   --days N             drift, cold start, unknown items and lift over the last N days (default 7)
 *   --replay-weeks N     replay NDCG@10 on purchases of the last N weeks after training (default 4)
 *   --drift-types LIST   event types whose shopper–item pairs are recent popularity (default purchase)
 *   --out FILE           the JSON report (default var/monitor/report.json)
 *   --textfile FILE      the gauges, for node_exporter's textfile collector (default var/monitor/reco_monitor.prom)
 *   --experiment-since T model vs holdout by shopper from T (default: the artifact's trainedAt), decided at
 *   --horizon-shoppers N a fixed horizon of N shoppers an arm (default 1000); --holdout-percent P the split (0)
 *
 * Customer ids are turned into the model's pseudonyms with RECO_PSEUDONYM_KEY; when it is unset
 * and the artifact knows customers by pseudonym, the demo's key is used (`npm start` trains with it).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pseudonymizer, pseudonymPrefix } from '../../contracts/pseudonym.ts';
import { developmentPseudonymKey } from '../../environment/development-keys.ts';
import { readCatalogFile } from '../../data/catalog.ts';
import { readArtifact } from '../container/artifact.ts';
import { servedRecommender } from '../container/served-model.ts';
import { eventTypes } from '../../server/events/shelf-event.ts';
import { folderSegments, storedEvents } from '../../server/events/stored-events.ts';
import { readMonitorEnvironment } from './monitor-environment.ts';
import { createCaptureMonitor } from './capture-monitor.ts';
import { parseCaptureUri, syncCaptureFromS3 } from './capture-from-s3.ts';
import { readCapturedShelves } from './captured-inferences.ts';
import { baselineSuggester } from './suggest-baseline.ts';
import { capturedSummary, type MonitorOutput } from './capture-summary.ts';
import { createMonitorReport, type Figure, type MonitorReport } from './report.ts';
import { renderTextfile } from './textfile.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fail = (message: string): never => {
  console.error(`monitor: ${message}`);
  process.exit(2);
};

let env: ReturnType<typeof readMonitorEnvironment>;
try {
  env = readMonitorEnvironment();
} catch (error) {
  // The message starts with `monitor: ` already.
  console.error((error as Error).message);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: env.eventsDir },
    'model-dir': { type: 'string', default: join(root, 'model/artifacts/model') },
    days: { type: 'string', default: '7' },
    'replay-weeks': { type: 'string', default: '4' },
    'drift-types': { type: 'string', default: 'purchase' },
    'capture-dir': { type: 'string', default: join(root, 'var/data-capture') },
    endpoint: { type: 'string', default: env.endpointName },
    baseline: { type: 'string' },
    'horizon-days': { type: 'string', default: '7' },
    // The served shelf's length: the home placement's limit.
    k: { type: 'string', default: '8' },
    'monitor-dir': { type: 'string', default: join(root, 'var/monitor') },
    'suggest-baseline': { type: 'string' },
    out: { type: 'string', default: join(root, 'var/monitor/report.json') },
    textfile: { type: 'string', default: join(root, 'var/monitor/reco_monitor.prom') },
    'experiment-since': { type: 'string' },
    'horizon-shoppers': { type: 'string', default: '1000' },
    'holdout-percent': { type: 'string', default: '0' },
  },
});
const positive = (text: string, what: string): number => {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : fail(`${what} must be a positive number, got "${text}"`);
};
const days = positive(values.days!, '--days');
const replayWeeks = positive(values['replay-weeks']!, '--replay-weeks');
const driftTypes = values['drift-types']!.split(',').map((t) => t.trim());
for (const t of driftTypes)
  if (!(eventTypes as readonly string[]).includes(t)) fail(`--drift-types: unknown type ${t}`);

const horizonDays = positive(values['horizon-days']!, '--horizon-days');
/** The capture folder to read: `--capture-dir` itself, or the local copy of the S3 prefix it names. */
async function captureFolder(from: number, to: number): Promise<string> {
  const dir = values['capture-dir']!;
  if (!dir.startsWith('s3://')) return dir;
  const { bucket, prefix } = parseCaptureUri(dir);
  const localDir = join(root, 'var', 'data-capture-s3', bucket, prefix);
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({});
  try {
    const synced = await syncCaptureFromS3(client, dir, { endpoint: values.endpoint!, from, to, localDir });
    console.log(`monitor: ${synced.listed} capture file(s) of the window in ${dir}, ${synced.fetched} fetched`);
  } catch (error) {
    fail(`reading ${dir}: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
  return localDir;
}
if (values['suggest-baseline'] !== undefined) {
  // Model Monitor's suggest_baseline: the last --days of capture and purchases become the baseline.
  const to = Date.now();
  const from = to - days * 86_400_000;
  const suggester = baselineSuggester();
  for await (const event of storedEvents(folderSegments(values.dir!), {
    since: from,
    dedupHours: env.eventsDedupHours,
    segmentSeconds: env.eventsSegmentSeconds,
  }))
    suggester.add(event);
  try {
    const shelves = readCapturedShelves(await captureFolder(from, to), values.endpoint!, from, to).shelves;
    const made = suggester.write(values['suggest-baseline'], shelves);
    console.log(
      `monitor: baseline of ${made.modelVersion} from ${made.rows} captured shelves and ${made.items} items bought ` +
        `→ ${values['suggest-baseline']} (use it with --baseline)`,
    );
    process.exit(0);
  } catch (error) {
    fail((error as Error).message.replace(/^monitor: /, ''));
  }
}
// The artifact is optional: a foreign container is monitored from its capture and baseline alone.
let artifact: ReturnType<typeof readArtifact> | undefined;
let artifactNote = 'read';
try {
  artifact = readArtifact(values['model-dir']!);
} catch (error) {
  artifactNote = `not read: ${(error as Error).message}`;
}
let keyNote = 'RECO_PSEUDONYM_KEY';
let key = env.pseudonymKey;
if (key === undefined) {
  const pseudonymous = artifact?.manifest.userIds.some((id) => id.startsWith(pseudonymPrefix)) ?? false;
  key = pseudonymous ? developmentPseudonymKey : undefined;
  keyNote = pseudonymous ? "the demo's key (RECO_PSEUDONYM_KEY unset)" : 'none (RECO_PSEUDONYM_KEY unset)';
}

const now = Date.now();
const modelIdOf = pseudonymizer(key);
// Revenue per shopper prices each purchase at the catalog's price (none found: revenue 0).
let prices = new Map<string, number>();
try {
  prices = new Map(readCatalogFile().products.map((p) => [p.id, p.price.value]));
} catch {}
const report =
  artifact &&
  createMonitorReport(artifact, servedRecommender(artifact.parts), {
    now,
    days,
    replayWeeks,
    driftTypes,
    modelIdOf,
    byShopper: {
      since: Date.parse(values['experiment-since'] ?? artifact.manifest.trainedAt) || 0,
      horizonShoppers: positive(values['horizon-shoppers']!, '--horizon-shoppers'),
      holdoutShare: Number(values['holdout-percent']) / 100 || 0,
      priceOf: (id) => prices.get(id) ?? 0,
    },
  });
const captured = createCaptureMonitor({
  captureDir: await captureFolder(now - (days + horizonDays) * 86_400_000, now),
  endpoint: values.endpoint!,
  baselineDir: values.baseline ?? join(values['model-dir']!, 'baseline'),
  outDir: values['monitor-dir']!,
  now,
  days,
  horizonDays,
  k: positive(values.k!, '--k'),
  modelIdOf,
});
let badLines = 0;
for await (const event of storedEvents(folderSegments(values.dir!), {
  since: Math.min(report?.since ?? Infinity, captured.since),
  dedupHours: env.eventsDedupHours,
  segmentSeconds: env.eventsSegmentSeconds,
  onBadLine: () => badLines++,
})) {
  report?.add(event);
  captured.add(event);
}
const fromModel = report?.finish();
const result: MonitorOutput = {
  ...(fromModel ?? {}),
  captured: captured.finish(),
  source: {
    eventsDir: values.dir,
    modelDir: values['model-dir'],
    artifact: artifactNote,
    pseudonyms: keyNote,
    badLines,
  },
};

/** Writes `text` to `file` whole or not at all (a scraper never reads half a file). */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
writeAtomically(values.out!, `${JSON.stringify(result, null, 2)}\n`);
writeAtomically(values.textfile!, renderTextfile(result, now));

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const pp = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pp`;
const line = <T>(name: string, figure: Figure<T>, show: (f: T) => string): string =>
  `  ${name.padEnd(28)} ${
    figure.status === 'ok' ? show(figure as T) : `too little data (${figure.have} of ${figure.need} ${figure.of})`
  }`;
const fromArtifact = (r: MonitorReport): string[] => [
  `monitor: ${r.model.version}, events ${r.window.from} … ${r.window.to} (${r.window.events})`,
  line('model age', r.modelAgeDays, (f) => `${f.value.toFixed(1)} days`),
  line(
    'popularity drift (PSI)',
    r.popularityDrift,
    (f) => `${f.psi.toFixed(3)} on ${f.pairs} pairs (noise floor ≈ ${f.noiseFloor.toFixed(3)})`,
  ),
  line(
    'cold-start shoppers',
    r.coldStartShoppers,
    (f) => `${pct(f.share)} of ${f.shoppers} (${f.anonymous} anonymous, ${f.unknownCustomers} unknown customers)`,
  ),
  line('unknown items', r.unknownItems, (f) => `${pct(f.share)} of ${f.events} events`),
  line(
    'replay NDCG@10',
    r.replayNdcgAt10,
    (f) =>
      `${f.ndcg.mean.toFixed(4)} (${f.ndcg.low.toFixed(4)} … ${f.ndcg.high.toFixed(4)}) ` +
      `on ${f.shoppers} customers; ` +
      `over popularity ${f.overPopularity.difference.toFixed(4)} (${f.overPopularity.low.toFixed(4)} … ` +
      `${f.overPopularity.high.toFixed(4)})`,
  ),
  line('online lift, click-through', r.onlineLift, (f) =>
    f.clickThrough
      ? `${pp(f.clickThrough.difference)} (${pp(f.clickThrough.low)} … ${pp(f.clickThrough.high)})`
      : 'no data',
  ),
  line('online lift, add-to-cart', r.onlineLift, (f) =>
    f.addToCart ? `${pp(f.addToCart.difference)} (${pp(f.addToCart.low)} … ${pp(f.addToCart.high)})` : 'no data',
  ),
  (() => {
    const x = r.shopperExperiment!;
    const ct = x.lift.clickThrough;
    const srm = x.sampleRatio ? `, sample ratio p ${x.sampleRatio.pValue.toPrecision(2)}` : '';
    return (
      `  ${'model vs holdout, shoppers'.padEnd(28)} ${x.rows[0]!.shoppers} vs ${x.rows[1]!.shoppers} ` +
      `(horizon ${x.horizon.shoppersPerArm} an arm): ${x.horizon.verdict}` +
      `${ct ? `; click-through ${pp(ct.estimate)} (${pp(ct.low)} … ${pp(ct.high)})` : ''}${srm}`
    );
  })(),
];
console.log(
  [
    ...(fromModel ? fromArtifact(fromModel) : [`monitor: no artifact (${artifactNote})`]),
    ...capturedSummary(result.captured),
    `  report → ${values.out}`,
    `  gauges → ${values.textfile}`,
  ].join('\n'),
);
