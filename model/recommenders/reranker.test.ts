import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { type LoadedModel, readArtifact, writeArtifact } from '../container/artifact.ts';
import { servingAtCutoff } from '../retrain/serving-at-cutoff.ts';
import { servedRecommender } from '../container/served-model.ts';
import { evaluateRecommender } from '../evaluation/evaluate-recommender.ts';
import { temporalSplit } from '../evaluation/split.ts';
import { fitItemItemParts, type ModelParams, withoutReranker } from '../training/candidates.ts';
import { minQuestions, monthsBefore } from '../training/rerank-training.ts';
import { defaultShipped } from '../training/shipped-config.ts';
import { itemItemRecommender } from './item-item.ts';
import { seeded } from './seeded-random.ts';
import type { Recommender } from './types.ts';

const DAY = 86_400_000;
const start = Date.UTC(2010, 11, 1);
const cutoff = Date.UTC(2011, 5, 1);

/**
 * A seeded shop of `customers` customers over seven months: each re-orders three staples, each on its
 * own cycle (10–60 days), and now and then buys one of 40 other items, the low numbers more often.
 * What is due is what gets bought: a signal the blend's frequency-and-recency score only half sees.
 */
function shop(customers: number, seed: number): Purchase[] {
  const random = seeded(seed);
  const out: Purchase[] = [];
  for (let c = 0; c < customers; c++) {
    const customerId = `c${c}`;
    const staples = [0, 1, 2].map(() => ({
      item: Math.floor(random() * 40),
      cycle: 10 + Math.floor(random() * 50),
      next: start + Math.floor(random() * 40) * DAY,
    }));
    for (let day = start; day < Date.UTC(2011, 6, 1); day += DAY) {
      const invoice = `${customerId}-${day}`;
      const lines = staples.filter((s) => s.next <= day);
      for (const s of lines) s.next = day + s.cycle * DAY * (0.8 + 0.4 * random());
      if (random() < 0.03) lines.push({ item: Math.floor(40 * random() ** 2), cycle: 0, next: 0 });
      for (const { item } of lines)
        out.push({
          invoice,
          stockCode: String(10000 + item),
          description: '',
          quantity: 1,
          time: day + 3_600_000,
          unitPrice: 1,
          customerId,
          country: 'UK',
        });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

const reranked: ModelParams = {
  ...defaultShipped.params,
  lambda: 100,
  rerankCandidates: 20,
  rerankTrees: 30,
  rerankDepth: 3,
  rerankRate: 0.1,
};
const purchases = shop(400, 7);
const split = temporalSplit(purchases, cutoff, Date.UTC(2011, 6, 1));
const withTrees = fitItemItemParts(split.train, 'ease+buy-again', reranked);
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('rerank: trained on the four months before the cut-off, it beats the blend it re-ranks on the month after', () => {
  assert.ok(withTrees.rerank, 'a re-ranker was trained');
  assert.equal(withTrees.rerank.candidates, 20);
  const blend = itemItemRecommender(fitItemItemParts(split.train, 'ease+buy-again', withoutReranker(reranked)));
  const served = servedRecommender(withTrees);
  const ndcg = (model: Recommender) => evaluateRecommender(model, split, 'all').row['ndcg@10'];
  assert.ok(ndcg(served) > ndcg(blend) + 0.01, `re-ranked ${ndcg(served)} vs blend ${ndcg(blend)}`);
});

test(`rerank: fewer than ${minQuestions} questions train none, and the blend answers as before`, () => {
  const small = temporalSplit(shop(40, 8), cutoff, Date.UTC(2011, 6, 1));
  const parts = fitItemItemParts(small.train, 'ease+buy-again', reranked);
  assert.equal(parts.rerank, undefined);
  const user = 3;
  assert.deepEqual(
    servedRecommender(parts).recommend({ user, k: 10 }),
    itemItemRecommender(parts).recommend({ user, k: 10 }),
  );
});

test('rerank: interactions without their purchases (nothing to learn from) give the blend alone', () => {
  const { purchases: _dropped, ...bare } = split.train;
  assert.equal(fitItemItemParts(bare, 'ease+buy-again', reranked).rerank, undefined);
});

test('rerank: strangers and context-led requests get the blend unchanged; a known customer gets re-ranked', () => {
  const served = servedRecommender(withTrees);
  const blend = itemItemRecommender(withTrees);
  assert.deepEqual(served.recommend({ k: 8 }), blend.recommend({ k: 8 }));
  assert.deepEqual(served.recommend({ k: 8, context: [1, 2] }), blend.recommend({ k: 8, context: [1, 2] }));
  assert.deepEqual(served.recommend({ user: 5, k: 8, context: [1] }), blend.recommend({ user: 5, k: 8, context: [1] }));
  const changed = [...Array(50).keys()].some(
    (user) =>
      JSON.stringify(served.recommend({ user, k: 8 }).map((s) => s.item)) !==
      JSON.stringify(blend.recommend({ user, k: 8 }).map((s) => s.item)),
  );
  assert.ok(changed, 'the trees re-order some known customer');
  const exclude = new Set(blend.recommend({ user: 5, k: 3 }).map((s) => s.item));
  for (const { item } of served.recommend({ user: 5, k: 10, exclude })) assert.ok(!exclude.has(item));
  const list = served.recommend({ user: 5, k: 30 });
  assert.equal(list.length, 30);
  for (let r = 1; r < list.length; r++) assert.ok(list[r - 1]!.score >= list[r]!.score, 'best first');
});

test('rerank: the artifact stores it and reads it back to the same answers; without it, no trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rerank-'));
  const plain = mkdtempSync(join(tmpdir(), 'rerank-plain-'));
  dirs.push(dir, plain);
  const ids = { itemIds: split.train.itemIds, userIds: split.train.userIds, trainedUntil: '2011-06-01', params: {} };
  const manifest = writeArtifact(dir, { parts: withTrees, ...ids });
  assert.deepEqual(manifest.rerank, { file: 'rerank-trees.json', candidates: 20, trees: 30 });
  const back = servedRecommender(readArtifact(dir).parts, { precomputeUsers: true });
  const fitted = servedRecommender(withTrees);
  for (const user of [0, 1, 2, 50, 399])
    assert.deepEqual(back.recommend({ user, k: 24 }), fitted.recommend({ user, k: 24 }));

  const { rerank: _trees, ...blendOnly } = withTrees;
  const plainManifest = writeArtifact(plain, { parts: blendOnly, ...ids });
  assert.equal(plainManifest.rerank, undefined);
  assert.notEqual(plainManifest.modelVersion, manifest.modelVersion);
  assert.ok(!existsSync(join(plain, 'rerank-trees.json')));
  assert.deepEqual(readdirSync(plain).sort(), [
    'item-item.f32',
    'manifest.json',
    'popularity.f32',
    'user-items.i32',
    'user-ptr.i32',
    'user-repeat.f32',
  ]);
  assert.equal(readArtifact(plain).parts.rerank, undefined);
});

test('rerank: the training months end by the cut-off (calendar months back)', () => {
  assert.equal(new Date(monthsBefore(cutoff, 4)).toISOString(), '2011-02-01T00:00:00.000Z');
  assert.equal(new Date(monthsBefore(cutoff, 1)).toISOString(), '2011-05-01T00:00:00.000Z');
  assert.equal(monthsBefore(cutoff, 0), cutoff);
  assert.ok(split.train.purchases!.every((p) => p.time < cutoff));
});

test("rerank: the gate's serving recipe, re-fitted at the gate's cut-off, re-fits its re-ranker there too", () => {
  const manifest = { algorithm: 'ease+buy-again', modelVersion: 'serving', params: { ...reranked } };
  const serving = { manifest } as unknown as LoadedModel;
  const refitted = servingAtCutoff(serving, split, undefined).recommender;
  const served = servedRecommender(withTrees);
  const blend = itemItemRecommender(withTrees);
  let differs = false;
  for (let user = 0; user < 60; user++) {
    assert.deepEqual(refitted.recommend({ user, k: 8 }), served.recommend({ user, k: 8 }));
    differs ||= JSON.stringify(refitted.recommend({ user, k: 8 })) !== JSON.stringify(blend.recommend({ user, k: 8 }));
  }
  assert.ok(differs, 'the re-fitted recipe re-ranks, it is not the blend alone');
});
