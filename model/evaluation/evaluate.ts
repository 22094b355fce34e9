/**
 * `npm run evaluate`: tunes every model on a validation month, evaluates every model on rolling
 * monthly cut-offs after it, pools the months with intervals over customers, and writes
 * model/artifacts/evaluation.json and the generated model table of model/README.md. The table is
 * for a person, so it is printed with `console`, not logged (CONTRIBUTING.md "Logging").
 *   --validation-from YYYY-MM-DD  validation cut-off (default 2011-05-01; validation runs to the first cut-off)
 *   --first-cutoff YYYY-MM        first monthly test cut-off (default 2011-06)
 *   --last-cutoff YYYY-MM         last monthly test cut-off (default 2011-11; it tests to the end of the data)
 *   --cache DIR                   per-cut-off score cache (default model/artifacts/cache; "none" for no cache)
 *   --out FILE                    report path (default model/artifacts/evaluation.json)
 *   --readme FILE                 README whose model-table section is rewritten (default model/README.md;
 *                                 "none" to skip)
 *   --table-only                  only re-render the README table from the existing report (no evaluation)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadPurchases } from '../../data/purchases.ts';
import { type EvaluationReport, modelTableSection, renderModelTable } from './model-table.ts';
import { writeSection } from './readme-section.ts';
import { temporalSplit } from './split.ts';
import { tune } from './tune.ts';
import { ablationEntries, evaluationEntries } from './entries.ts';
import { evaluateRolling, monthlyCutoffs } from './rolling-evaluation.ts';
import { parseDay } from '../recommenders/interactions.ts';
import { evaluationPath, jsonReplacer } from '../training/shipped-config.ts';

const started = performance.now();
const { values } = parseArgs({
  options: {
    'validation-from': { type: 'string', default: '2011-05-01' },
    'first-cutoff': { type: 'string', default: '2011-06' },
    'last-cutoff': { type: 'string', default: '2011-11' },
    cache: { type: 'string', default: fileURLToPath(new URL('../artifacts/cache/', import.meta.url)) },
    out: { type: 'string', default: evaluationPath },
    readme: { type: 'string', default: fileURLToPath(new URL('../README.md', import.meta.url)) },
    'table-only': { type: 'boolean', default: false },
  },
});
if (values['table-only']) {
  const table = renderModelTable(JSON.parse(readFileSync(values.out, 'utf8')) as EvaluationReport);
  writeSection(values.readme, modelTableSection, table);
  console.log(`evaluate: rendered ${values.out} into ${values.readme}`);
  process.exit(0);
}
const cutoffs = monthlyCutoffs(values['first-cutoff'], values['last-cutoff']);
const validationFrom = parseDay(values['validation-from'], 'evaluate');
if (!(validationFrom < cutoffs[0]!)) throw new Error('evaluate: expected --validation-from before --first-cutoff');
const cacheDir = values.cache === 'none' ? undefined : values.cache;

const { purchases, rawLines, dropped } = loadPurchases();
const end = purchases.reduce((max, p) => Math.max(max, p.time), 0) + 1;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

const tuned = tune(temporalSplit(purchases, validationFrom, cutoffs[0]!), (line) => console.error(line), cacheDir);
const tuning = seconds(started);
console.error(`evaluate: tuned in ${tuning} s; shipping ${tuned.shipped}`);

// Seeded, so the report replays exactly; the same resamples serve every model of a view.
const bootstrap = { resamples: 2000, seed: 20111001, level: 0.95 };
// The blend's design (propensity, square roots) was settled looking at the test period from 2011-10-01.
const designSeenFrom = parseDay('2011-10-01', 'evaluate');
const entries = [...evaluationEntries(tuned), ...ablationEntries(tuned.blendSpec)];
const rolling = evaluateRolling(purchases, cutoffs, end, entries, tuned.shipped, {
  bootstrap,
  designSeenFrom,
  cacheDir,
  log: (line) => console.error(line),
});

const report: EvaluationReport & { data: unknown } = {
  data: { rawLines, purchases: purchases.length, dropped, from: day(purchases[0]?.time ?? 0), to: day(end - 1) },
  shipped: tuned.shipped,
  shippedBecause: tuned.shippedBecause,
  params: tuned.shippedSpec.params,
  shippedSpec: tuned.shippedSpec,
  blendSpec: tuned.blendSpec,
  byView: tuned.byView,
  goal: 0.03,
  bootstrap,
  validation: {
    trainBefore: day(validationFrom),
    testFrom: day(validationFrom),
    testBefore: day(cutoffs[0]!),
    models: tuned.validation,
  },
  rolling,
  seconds: { tuning, total: 0 },
};
report.seconds.total = seconds(started);
// Round-tripped through JSON so the README is rendered from exactly what the file holds.
const json = `${JSON.stringify(report, jsonReplacer, 2)}\n`;
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, json);
const table = renderModelTable(JSON.parse(json) as EvaluationReport);
console.log(table);
if (values.readme !== 'none') writeSection(values.readme, modelTableSection, table);
console.log(`\nevaluate: wrote ${values.out}${values.readme === 'none' ? '' : ` and ${values.readme}`}`);
console.log(`evaluate: took ${report.seconds.total} s`);
