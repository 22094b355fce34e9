import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadPurchases } from '../../data/purchases.ts';
import { readArtifact } from '../container/artifact.ts';
import { evaluateRecommender } from '../evaluation/evaluate-recommender.ts';
import { temporalSplit } from '../evaluation/split.ts';
import { fitModel } from '../training/candidates.ts';
import { defaultShipped } from '../training/shipped-config.ts';
import { trainOnPurchases } from '../training/train.ts';
import { artifactRecommender } from './artifact-recommender.ts';
import { defaultGateRules, gateViews, judge, renderGateTable } from './gate.ts';
import { everyView, gateComparators, scoreForGate } from './gate-scoring.ts';
import { gateCandidate } from './gate-window.ts';

// The real purchases (data/online-retail), July to mid-November 2011: the gate's three cases on a
// real shop's customers, not on numbers made up for the test. A smaller EASE keeps the fits quick.
const DAY_MS = 86_400_000;
const purchases = loadPurchases().purchases.filter(
  (p) => p.time >= Date.parse('2011-07-01T00:00:00Z') && p.time < Date.parse('2011-11-15T00:00:00Z'),
);
const cutoff = Date.parse('2011-11-01T00:00:00Z');
const params = { ...defaultShipped.params, topItems: 600 };
const strong = { name: 'ease+buy-again', params } as const;
const weak = { name: 'item-knn', params: { ...params, neighbours: 2 } } as const;

/** The gate's verdict on `candidate` against a serving configuration, both fitted before the cut-off. */
function gateOn(windowDays: number, candidate: typeof strong | typeof weak, serving: typeof strong | typeof weak) {
  const split = temporalSplit(purchases, cutoff, cutoff + windowDays * DAY_MS);
  const scored = scoreForGate(split, [
    everyView('candidate', fitModel(split.train, candidate.name, candidate.params)),
    everyView('serving', fitModel(split.train, serving.name, serving.params)),
    ...gateComparators(split, params),
  ]);
  const verdict = judge(scored, defaultGateRules);
  const ndcg = (name: string, view: string) => scored.find((s) => s.row.name === name && s.row.view === view)!.row;
  return {
    verdict,
    scored,
    ndcg,
    table: renderGateTable(
      scored.map((s) => s.row),
      verdict,
    ),
  };
}

describe('the gate on real purchases (14 days from 2011-11-01)', () => {
  test('a better candidate passes, on the lower bounds of its paired intervals', () => {
    const { verdict, table } = gateOn(14, strong, weak);
    assert.equal(verdict.outcome, 'passed', table);
    const vsServing = verdict.checks.filter((c) => c.rule.startsWith('no worse than serving'));
    assert.deepEqual(
      vsServing.map((c) => c.rule),
      ['no worse than serving (all)', 'no worse than serving (new)', 'no worse than serving (served)'],
    );
    for (const c of vsServing) assert.ok(c.difference!.low > 0, `${c.rule}: clearly better, ${c.detail}`);
    assert.deepEqual(
      verdict.checks.filter((c) => c.rule.startsWith('no worse than buy-again') && c.passed).map((c) => c.rule),
      ['no worse than buy-again (all)', 'no worse than buy-again (served)'],
    );
    assert.match(table, /gate: PASSED/);
  });

  test('a worse candidate is refused, naming each rule it broke', () => {
    const { verdict, table } = gateOn(14, weak, strong);
    assert.equal(verdict.outcome, 'refused', table);
    assert.deepEqual(
      verdict.checks.filter((c) => !c.passed).map((c) => c.rule),
      [
        'no worse than serving (all)',
        'no worse than buy-again (all)',
        'no worse than serving (new)',
        'no worse than serving (served)',
        'no worse than buy-again (served)',
      ],
    );
    assert.match(table, /gate: REFUSED/);
  });

  test('a tiny sample is neither: the better candidate is not passed, and nothing is refused', () => {
    const { verdict, ndcg, table } = gateOn(2, strong, weak);
    for (const view of gateViews) assert.ok(ndcg('candidate', view).users < defaultGateRules.minCustomers, table);
    for (const view of gateViews)
      assert.ok(ndcg('candidate', view)['ndcg@10'] > ndcg('serving', view)['ndcg@10'], `ahead in ${view}, ${table}`);
    assert.equal(verdict.outcome, 'not-enough-evidence', table);
    assert.equal(verdict.passed, false);
    assert.ok(
      verdict.checks.every((c) => c.rule.includes('test customers')),
      'no comparison is judged',
    );
    assert.match(table, /gate: NOT ENOUGH EVIDENCE/);
  });
});

describe('the serving model is re-fitted at the cut-off, not scored on purchases it learnt from', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'gate-serving-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const end = cutoff + 14 * DAY_MS;
  const split = temporalSplit(purchases, cutoff, end);
  // What `--promote --full` leaves serving: the same configuration, trained on everything, the window included.
  trainOnPurchases(purchases, { out: join(scratch, 'serving'), model: strong });
  const serving = readArtifact(join(scratch, 'serving'));

  test('as is, it would look better than the very same configuration fitted before the window', () => {
    const asIs = evaluateRecommender(artifactRecommender(serving, split.train, 'as-is'), split, 'all').row;
    const fair = evaluateRecommender(fitModel(split.train, strong.name, strong.params), split, 'all').row;
    assert.ok(asIs['ndcg@10'] > fair['ndcg@10'] * 1.1, `as is ${asIs['ndcg@10']} vs fair ${fair['ndcg@10']}`);
  });

  test('so the gate re-fits its configuration: the same recipe on more data ties exactly, and passes', () => {
    const candidate = everyView('candidate', fitModel(split.train, strong.name, strong.params));
    const {
      verdict,
      rows,
      serving: how,
    } = gateCandidate({ serving, learntUpTo: end, split }, candidate, params, defaultGateRules);
    assert.equal(how.how, 're-fitted at the cut-off');
    const of = (name: string) => rows.find((r) => r.name === name && r.view === 'all')!['ndcg@10'];
    assert.equal(of('serving'), of('candidate'));
    assert.equal(verdict.outcome, 'passed', renderGateTable(rows, verdict));
  });
});
