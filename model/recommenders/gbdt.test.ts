import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkForest, predict, type RankingData, trainGbdt } from './gbdt.ts';
import { seeded } from './seeded-random.ts';

/**
 * Questions of 20 items with 3 features in [0, 1); an item is relevant when f0 > 0.6 and f2 < 0.4 —
 * a rule no single feature's order ranks right (f1 is noise).
 */
function questions(count: number, seed: number): RankingData {
  const random = seeded(seed);
  const size = 20;
  const x = new Float32Array(count * size * 3);
  const label = new Uint8Array(count * size);
  for (let r = 0; r < count * size; r++) {
    for (let f = 0; f < 3; f++) x[r * 3 + f] = random();
    label[r] = x[r * 3]! > 0.6 && x[r * 3 + 2]! < 0.4 ? 1 : 0;
  }
  return { features: 3, x, label, groupPtr: Int32Array.from({ length: count + 1 }, (_, q) => q * size) };
}

/** Mean NDCG over the questions with a relevant item, ranking by `score(row)`. */
function meanNdcg(data: RankingData, score: (row: number) => number): number {
  let sum = 0,
    counted = 0;
  for (let q = 0; q + 1 < data.groupPtr.length; q++) {
    const rows = Array.from({ length: data.groupPtr[q + 1]! - data.groupPtr[q]! }, (_, i) => data.groupPtr[q]! + i);
    const relevant = rows.filter((r) => data.label[r]).length;
    if (relevant === 0) continue;
    rows.sort((a, b) => score(b) - score(a) || a - b);
    let dcg = 0,
      ideal = 0;
    rows.forEach((r, i) => {
      if (data.label[r]) dcg += 1 / Math.log2(i + 2);
    });
    for (let i = 0; i < relevant; i++) ideal += 1 / Math.log2(i + 2);
    sum += dcg / ideal;
    counted++;
  }
  return sum / counted;
}

const options = { trees: 30, depth: 3, learningRate: 0.3 };

test('gbdt: learns a ranking no single feature gives, on questions it never saw', () => {
  const forest = trainGbdt(questions(150, 1), options);
  const test = questions(100, 2);
  const learnt = meanNdcg(test, (r) => predict(forest, test.x, r * 3));
  const bestSingle = Math.max(
    meanNdcg(test, (r) => test.x[r * 3]!),
    meanNdcg(test, (r) => -test.x[r * 3 + 2]!),
  );
  assert.ok(learnt > 0.97, `NDCG ${learnt}`);
  assert.ok(learnt > bestSingle + 0.1, `${learnt} vs the best single feature's ${bestSingle}`);
});

test('gbdt: the same data gives the same trees', () => {
  const data = questions(60, 3);
  assert.deepEqual(trainGbdt(data, options), trainGbdt(data, options));
});

test('gbdt: trees survive JSON and predict the same; a malformed forest is refused', () => {
  const data = questions(60, 4);
  const forest = trainGbdt(data, options);
  const back = checkForest(JSON.parse(JSON.stringify(forest)));
  for (let r = 0; r < data.label.length; r++)
    assert.equal(predict(back, data.x, r * 3), predict(forest, data.x, r * 3));
  const broken = JSON.parse(JSON.stringify(forest));
  broken.trees[0].left[0] = 10_000;
  assert.throws(() => checkForest(broken), /points outside/);
  assert.throws(() => checkForest({ trees: 'no' }), /not a forest/);
});
