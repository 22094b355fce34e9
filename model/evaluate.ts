/**
 * `npm run evaluate`: tunes on a validation split, evaluates every model on the test split,
 * prints the table and writes model/artifacts/evaluation.json. The table is for a person, so it
 * is printed with `console`, not logged (CONTRIBUTING.md "Logging").
 *   --test-from YYYY-MM-DD     test cut-off (default 2011-10-01; test runs to the end of the data)
 *   --validation-from YYYY-MM-DD  validation cut-off (default 2011-07-23: the same ~10 weeks, before the test)
 *   --out FILE                 report path (default model/artifacts/evaluation.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPurchases } from '../data/purchases.ts';
import { fitModel, shippableModels } from './candidates.ts';
import { evaluateRecommender, type EvaluationRow } from './evaluation/evaluate-recommender.ts';
import { temporalSplit } from './evaluation/split.ts';
import { tune } from './evaluation/tune.ts';
import { parseDay } from './interactions.ts';
import { evaluationPath, jsonReplacer } from './shipped-config.ts';

const started = performance.now();
const { values } = parseArgs({
  options: {
    'test-from': { type: 'string', default: '2011-10-01' },
    'validation-from': { type: 'string', default: '2011-07-23' },
    out: { type: 'string', default: evaluationPath },
  },
});
const testFrom = parseDay(values['test-from'], 'evaluate');
const validationFrom = parseDay(values['validation-from'], 'evaluate');
if (!(validationFrom < testFrom)) throw new Error('evaluate: --validation-from must come before --test-from');

const { purchases, rawLines, dropped } = loadPurchases();
const end = purchases.reduce((max, p) => Math.max(max, p.time), 0) + 1;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

const validation = temporalSplit(purchases, validationFrom, testFrom);
const { params, shipped, validation: validationRows } = tune(validation, (line) => console.error(line));

const test = temporalSplit(purchases, testFrom, end);
const rows: EvaluationRow[] = [];
for (const name of [
  'popularity',
  'popularity-30d',
  'buy-again',
  'item-knn',
  ...shippableModels.filter((m) => m !== 'item-knn'),
]) {
  const model = fitModel(test.train, name, params);
  for (const view of ['all', 'new'] as const) {
    if (name === 'buy-again' && view === 'new') continue; // every past item is excluded there: nothing left to measure
    rows.push(evaluateRecommender(model, test, view));
  }
}

const f = (x: number) => x.toFixed(4);
console.log(`\ntest: train before ${day(testFrom)}, test ${day(testFrom)}..${day(end - 1)}; shipped: ${shipped}`);
console.log('model            view  ndcg@10  hr@10   map@10  recall@10 coverage users  ndcg×pop');
for (const row of rows) {
  const pop = rows.find((r) => r.name === 'popularity' && r.view === row.view)!;
  console.log(
    `${row.name.padEnd(16)} ${row.view.padEnd(4)}  ${f(row['ndcg@10'])}  ${f(row['hr@10'])}  ${f(row['map@10'])}  ${f(row['recall@10'])}   ${f(row.coverage)}   ${String(row.users).padEnd(5)}  ${(row['ndcg@10'] / pop['ndcg@10']).toFixed(2)}`,
  );
}

const seconds = (performance.now() - started) / 1000;
const report = {
  split: {
    data: { rawLines, purchases: purchases.length, dropped, from: day(purchases[0]?.time ?? 0), to: day(end - 1) },
    validation: {
      trainBefore: day(validationFrom),
      testFrom: day(validationFrom),
      testBefore: day(testFrom),
      users: { all: validation.targetsAll.length, new: validation.targetsNew.length },
    },
    test: {
      trainBefore: day(testFrom),
      testFrom: day(testFrom),
      testThrough: day(end - 1),
      users: { all: test.targetsAll.length, new: test.targetsNew.length },
      trainItems: test.train.itemIds.length,
    },
    rule: 'customers and items seen in training only; view "new" drops items the customer bought before the cut-off from targets and lists',
  },
  k: 10,
  models: rows,
  shipped,
  params,
  selection:
    'hyper-parameters and the shipped model chosen on the validation split only (mean NDCG@10 lift over popularity across both views)',
  validation: validationRows,
  seconds: Math.round(seconds * 10) / 10,
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(report, jsonReplacer, 2)}\n`);
console.log(`\nevaluate: wrote ${values.out} in ${seconds.toFixed(1)} s`);
