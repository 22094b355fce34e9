import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluationPath } from '../training/shipped-config.ts';
import { type EvaluationReport, modelTableSection, renderModelTable } from './model-table.ts';
import { readSection } from './readme-section.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));

test("model/README.md's model table is exactly what evaluation.json renders to", {
  skip: !existsSync(evaluationPath),
}, () => {
  const report = JSON.parse(readFileSync(evaluationPath, 'utf8')) as EvaluationReport;
  assert.equal(
    readSection(readFileSync(readme, 'utf8'), modelTableSection),
    renderModelTable(report).trim(),
    'the README table and evaluation.json disagree: run `npm run evaluate`',
  );
});

test('every number of the report reaches the table: changing one changes the table', {
  skip: !existsSync(evaluationPath),
}, () => {
  const report = JSON.parse(readFileSync(evaluationPath, 'utf8')) as EvaluationReport;
  const before = renderModelTable(report);
  const row = report.rolling.models.find((r) => r.vsShipped !== null)!;
  row['ndcg@10'] += 0.01;
  row.vsShipped!.low -= 0.01;
  const after = renderModelTable(report);
  assert.notEqual(after, before);
  assert.ok(after.includes(row['ndcg@10'].toFixed(4)));
});
