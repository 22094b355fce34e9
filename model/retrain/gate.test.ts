import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, renderGateTable, type ScoredRow } from './gate.ts';

const rows = (candidate: number, serving: number, popularity: number, newView = candidate): ScoredRow[] =>
  (['all', 'new'] as const).flatMap((view) =>
    (
      [
        ['candidate', view === 'all' ? candidate : newView],
        ['serving', serving],
        ['popularity', popularity],
      ] as const
    ).map(([name, ndcg]) => ({ name, view, 'ndcg@10': ndcg, 'hr@10': 0.5, coverage: 0.1, users: 100 })),
  );

test('the candidate may lose up to the tolerance against the serving model, not more', () => {
  const rules = { tolerance: 0.05, popularityMultiple: 2 };
  assert.equal(judge(rows(0.095, 0.1, 0.01), rules).passed, true, 'exactly 5 % worse passes');
  const worse = judge(rows(0.2, 0.2, 0.01, 0.189), rules);
  assert.equal(worse.passed, false, '5.5 % worse in view new fails');
  assert.deepEqual(
    worse.checks.map((c) => c.passed),
    [true, false, true],
  );
});

test('the candidate needs twice popularity, and a candidate that finds nothing never passes', () => {
  assert.equal(judge(rows(0.19, 0.1, 0.1)).passed, false);
  assert.equal(judge(rows(0.2, 0.1, 0.1)).passed, true);
  assert.equal(judge(rows(0, 0, 0)).passed, false);
});

test('the table lists every row and check, and says the verdict', () => {
  const verdict = judge(rows(0.19, 0.1, 0.1));
  const table = renderGateTable(rows(0.19, 0.1, 0.1), verdict);
  assert.equal(table.split('\n').length, 1 + 6 + 3 + 1);
  assert.match(table, /FAIL {2}≥ 2× popularity \(all\)/);
  assert.match(table, /gate: REFUSED \(tolerance 5 %\)$/);
});
