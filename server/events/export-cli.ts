/**
 * `npm run events:export -- [--events FILE] [--types purchase,add_to_cart] [--out FILE]`
 * writes the stored events as training input (gzip when --out ends in .gz).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readCatalogFile } from '../../data/catalog.ts';
import { defaults } from '../config.ts';
import { readEventLog } from './event-log.ts';
import { eventTypes } from './shelf-event.ts';
import { toTrainingCsv } from './training-export.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: process.env.RECO_EVENTS_FILE || defaults.eventsFile },
    types: { type: 'string', default: 'purchase' },
    out: { type: 'string' },
  },
});
const types = new Set(values.types!.split(',').map((t) => t.trim()));
const unknown = [...types].filter((t) => !(eventTypes as readonly string[]).includes(t));
if (unknown.length > 0) {
  console.error(`events:export: unknown event type(s) ${unknown.join(', ')}; use ${eventTypes.join(', ')}`);
  process.exit(2);
}
const byId = new Map(readCatalogFile().products.map((p) => [p.id, p]));
const csv = toTrainingCsv(await readEventLog(values.events!), types, (id) => byId.get(id));
if (values.out) {
  writeFileSync(values.out, values.out.endsWith('.gz') ? gzipSync(csv) : csv);
  console.error(`events:export: ${csv.split('\n').length - 2} lines → ${values.out}`);
} else process.stdout.write(csv);
