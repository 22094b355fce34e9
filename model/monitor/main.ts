/**
 * `npm run monitor -- [options]`: the model monitor. Reads the recent stored events (the
 * event store's folder, as `events:export` does) and the serving artifact, writes a JSON
 * report and a Prometheus textfile, and prints a summary. Meant to run on a schedule
 * (README "Monitoring"); it never fails for lack of data: each figure says so instead.
 *
 *   --dir DIR            the event folder (default: RECO_EVENTS_DIR, as the proxy)
 *   --model-dir DIR      the serving artifact (default: model/artifacts/model)
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
import { itemItemRecommender } from '../recommenders/item-item.ts';
import { eventTypes } from '../../server/events/shelf-event.ts';
import { folderSegments, storedEvents } from '../../server/events/stored-events.ts';
import { readMonitorEnvironment } from './monitor-environment.ts';
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

let model: ReturnType<typeof readArtifact>;
try {
  model = readArtifact(values['model-dir']!);
} catch (error) {
  fail(`${(error as Error).message} (run npm start or npm run train first)`);
}
const artifact = model!;
let keyNote = 'RECO_PSEUDONYM_KEY';
let key = env.pseudonymKey;
if (key === undefined) {
  const pseudonymous = artifact.manifest.userIds.some((id) => id.startsWith(pseudonymPrefix));
  key = pseudonymous ? developmentPseudonymKey : undefined;
  keyNote = pseudonymous ? "the demo's key (RECO_PSEUDONYM_KEY unset)" : 'none (the model knows raw ids)';
}

const now = Date.now();
// Revenue per shopper prices each purchase at the catalog's price (none found: revenue 0).
let prices = new Map<string, number>();
try {
  prices = new Map(readCatalogFile().products.map((p) => [p.id, p.price.value]));
} catch {}
const report = createMonitorReport(artifact, itemItemRecommender(artifact.parts), {
  now,
  days,
  replayWeeks,
  driftTypes,
  modelIdOf: pseudonymizer(key),
  byShopper: {
    since: Date.parse(values['experiment-since'] ?? artifact.manifest.trainedAt) || 0,
    horizonShoppers: positive(values['horizon-shoppers']!, '--horizon-shoppers'),
    holdoutShare: Number(values['holdout-percent']) / 100 || 0,
    priceOf: (id) => prices.get(id) ?? 0,
  },
});
let badLines = 0;
for await (const event of storedEvents(folderSegments(values.dir!), {
  since: report.since,
  dedupHours: env.eventsDedupHours,
  segmentSeconds: env.eventsSegmentSeconds,
  onBadLine: () => badLines++,
})) {
  report.add(event);
}
const result: MonitorReport & { source: Record<string, unknown> } = {
  ...report.finish(),
  source: { eventsDir: values.dir, modelDir: values['model-dir'], pseudonyms: keyNote, badLines },
};

/** Writes `text` to `file` whole or not at all (a scraper never reads half a file). */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
writeAtomically(values.out!, `${JSON.stringify(result, null, 2)}\n`);
writeAtomically(values.textfile!, renderTextfile(result));

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const pp = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pp`;
const line = <T>(name: string, figure: Figure<T>, show: (f: T) => string): string =>
  `  ${name.padEnd(28)} ${
    figure.status === 'ok' ? show(figure as T) : `too little data (${figure.have} of ${figure.need} ${figure.of})`
  }`;
console.log(
  [
    `monitor: ${result.model.version}, events ${result.window.from} … ${result.window.to} (${result.window.events})`,
    line('model age', result.modelAgeDays, (f) => `${f.value.toFixed(1)} days`),
    line(
      'popularity drift (PSI)',
      result.popularityDrift,
      (f) => `${f.psi.toFixed(3)} on ${f.pairs} pairs (noise floor ≈ ${f.noiseFloor.toFixed(3)})`,
    ),
    line(
      'cold-start shoppers',
      result.coldStartShoppers,
      (f) => `${pct(f.share)} of ${f.shoppers} (${f.anonymous} anonymous, ${f.unknownCustomers} unknown customers)`,
    ),
    line('unknown items', result.unknownItems, (f) => `${pct(f.share)} of ${f.events} events`),
    line(
      'replay NDCG@10',
      result.replayNdcgAt10,
      (f) =>
        `${f.ndcg.mean.toFixed(4)} (${f.ndcg.low.toFixed(4)} … ${f.ndcg.high.toFixed(4)}) ` +
        `on ${f.shoppers} customers; ` +
        `over popularity ${f.overPopularity.difference.toFixed(4)} (${f.overPopularity.low.toFixed(4)} … ` +
        `${f.overPopularity.high.toFixed(4)})`,
    ),
    line('online lift, click-through', result.onlineLift, (f) =>
      f.clickThrough
        ? `${pp(f.clickThrough.difference)} (${pp(f.clickThrough.low)} … ${pp(f.clickThrough.high)})`
        : 'no data',
    ),
    line('online lift, add-to-cart', result.onlineLift, (f) =>
      f.addToCart ? `${pp(f.addToCart.difference)} (${pp(f.addToCart.low)} … ${pp(f.addToCart.high)})` : 'no data',
    ),
    (() => {
      const x = result.shopperExperiment!;
      const ct = x.lift.clickThrough;
      const srm = x.sampleRatio ? `, sample ratio p ${x.sampleRatio.pValue.toPrecision(2)}` : '';
      return (
        `  ${'model vs holdout, shoppers'.padEnd(28)} ${x.rows[0]!.shoppers} vs ${x.rows[1]!.shoppers} ` +
        `(horizon ${x.horizon.shoppersPerArm} an arm): ${x.horizon.verdict}` +
        `${ct ? `; click-through ${pp(ct.estimate)} (${pp(ct.low)} … ${pp(ct.high)})` : ''}${srm}`
      );
    })(),
    `  report → ${values.out}`,
    `  gauges → ${values.textfile}`,
  ].join('\n'),
);
