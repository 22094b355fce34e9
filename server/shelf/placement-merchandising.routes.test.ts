/**
 * Merchandising through the proxy's routes: the single and the batch route, a model shelf and a shelf the
 * rules fill (the model switched off), each card with its reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';

type Card = { id: string; category: string; reason?: string };

function rulesWithMerchandising(): string {
  const rules = JSON.parse(readFileSync(new URL('../placements.json', import.meta.url), 'utf8'));
  rules.defaults.budgetMs = 1000;
  Object.assign(rules.placements.home, {
    budgetMs: 1000,
    pin: [{ itemId: '84879', position: 1 }],
    boost: [{ category: 'Christmas', weight: 9 }],
  });
  Object.assign(rules.placements.product, {
    model: false,
    pin: [{ itemId: '23084', position: 2 }],
    hide: [{ category: 'Kitchen & Dining' }],
  });
  const path = join(mkdtempSync(join(tmpdir(), 'reco-merch-')), 'placements.json');
  writeFileSync(path, JSON.stringify(rules));
  return path;
}

describe('merchandising on the routes', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: { placementsFile: rulesWithMerchandising() } });
  });
  after(() => stack.close());
  const post = async (path: string, body: unknown) =>
    (await stack.send('POST', path, JSON.stringify(body), { 'content-type': 'application/json' })).body as unknown as {
      items: Card[];
      shelves: Array<{ items: Card[]; source: string }>;
    };

  it('shapes the model shelf: pinned first, the boosted category up from tenth, then the model order', async () => {
    const { items } = await post('/v1/recommendations', { placement: 'home', userId: '17850' });
    assert.deepEqual(
      items.slice(0, 4).map((c) => `${c.id}:${c.reason}`),
      ['84879:pinned', '22086:boosted', '22423:model', '85123A:model'],
    );
  });

  it('shapes a shelf the rules fill, on the single and the batch route alike', async () => {
    const single = await post('/v1/recommendations', { placement: 'product', userId: '17850', items: ['22423'] });
    const batch = await post('/v1/shelves', {
      userId: '17850',
      shelves: [{ placement: 'home' }, { placement: 'product', items: ['22423'] }],
    });
    assert.equal(batch.shelves[0]!.items[0]!.reason, 'pinned');
    for (const items of [single.items, batch.shelves[1]!.items]) {
      assert.equal(`${items[1]!.id}:${items[1]!.reason}`, '23084:pinned');
      assert.ok(items.length >= 4);
      assert.ok(!items.some((c) => c.category === 'Kitchen & Dining'), 'the hidden category is gone');
      for (const [i, card] of items.entries()) if (i !== 1) assert.match(card.reason ?? '', /^fallback:/);
    }
  });
});
