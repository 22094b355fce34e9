/**
 * `npm run evaluate`: tunes every model on a validation period, evaluates every model on two
 * test periods (the one the design was settled on, and a later one nothing looked at), writes
 * model/artifacts/evaluation.json and the generated model table of model/README.md. The table is
 * for a person, so it is printed with `console`, not logged (CONTRIBUTING.md "Logging").
 *   --test-from YYYY-MM-DD        first test period's cut-off (default 2011-10-01; test runs to the end of the data)
 *   --later-from YYYY-MM-DD       second test period's cut-off (default 2011-11-01)
 *   --validation-from YYYY-MM-DD  validation cut-off (default 2011-07-23: ~10 weeks before --test-from)
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
import { evaluateTestPeriod } from './test-period.ts';
import { type EvaluationReport, modelTableSection, renderModelTable } from './model-table.ts';
import { writeSection } from './readme-section.ts';
import { temporalSplit } from './split.ts';
import { tune } from './tune.ts';
import { parseDay } from '../recommenders/interactions.ts';
import { evaluationPath, jsonReplacer } from '../training/shipped-config.ts';

const started = performance.now();
const { values } = parseArgs({
  options: {
    'test-from': { type: 'string', default: '2011-10-01' },
    'later-from': { type: 'string', default: '2011-11-01' },
    'validation-from': { type: 'string', default: '2011-07-23' },
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
const testFrom = parseDay(values['test-from'], 'evaluate');
const laterFrom = parseDay(values['later-from'], 'evaluate');
const validationFrom = parseDay(values['validation-from'], 'evaluate');
if (!(validationFrom < testFrom && testFrom < laterFrom))
  throw new Error('evaluate: expected --validation-from < --test-from < --later-from');

const { purchases, rawLines, dropped } = loadPurchases();
const end = purchases.reduce((max, p) => Math.max(max, p.time), 0) + 1;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

const tuned = tune(temporalSplit(purchases, validationFrom, testFrom), (line) => console.error(line));
const tuning = seconds(started);
console.error(`evaluate: tuned in ${tuning} s; shipping ${tuned.shipped}`);

// Seeded, so the report replays exactly; the same resamples serve every model of a view.
const bootstrap = { resamples: 2000, seed: 20111001, level: 0.95 };
const testPeriods = [
  { name: 'Test period 1', cutoff: testFrom, designSeen: true },
  { name: 'Test period 2', cutoff: laterFrom, designSeen: false },
].map(({ name, cutoff, designSeen }) => {
  const testPeriod = evaluateTestPeriod(purchases, cutoff, end, tuned, bootstrap);
  console.error(`evaluate: ${name} in ${testPeriod.seconds} s`);
  return { name, designSeen, ...testPeriod };
});

const report: EvaluationReport & { data: unknown } = {
  data: { rawLines, purchases: purchases.length, dropped, from: day(purchases[0]?.time ?? 0), to: day(end - 1) },
  k: 10,
  shipped: tuned.shipped,
  shippedBecause: tuned.shippedBecause,
  params: tuned.params[tuned.shipped],
  paramsByModel: tuned.params,
  ials: tuned.ials,
  goal: 0.03,
  bootstrap,
  validation: {
    trainBefore: day(validationFrom),
    testFrom: day(validationFrom),
    testBefore: day(testFrom),
    models: tuned.validation,
  },
  testPeriods,
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
