import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promotedWeights } from './local-promotion.ts';

const champion = { name: 'AllTraffic', url: 'http://127.0.0.1:8081', weight: 1 };
const added = { name: 'ease-buy-again-all-12345678', url: 'http://127.0.0.1:9000' };

test('a challenger gets its share and the others split the rest in their proportions', () => {
  assert.deepEqual(promotedWeights([champion], added, 10, false), [
    { ...champion, weight: 90 },
    { ...added, weight: 10 },
  ]);
  const two = [champion, { name: 'Old', url: 'http://127.0.0.1:8082', weight: 3 }];
  assert.deepEqual(
    promotedWeights(two, added, 20, false).map((v) => v.weight),
    [20, 60, 20],
  );
});

test('promoting the same version again replaces its entry instead of adding a second one', () => {
  const once = promotedWeights([champion], added, 10, false);
  assert.deepEqual(promotedWeights(once, added, 25, false), [
    { ...champion, weight: 75 },
    { ...added, weight: 25 },
  ]);
});

test('--full gives the new version everything and keeps the old champion at weight 0 for a rollback', () => {
  assert.deepEqual(promotedWeights(promotedWeights([champion], added, 10, false), added, 10, true), [
    { ...champion, weight: 0 },
    { ...added, weight: 100 },
  ]);
});
