/**
 * A placement's `only` rule constrains whoever fills the shelf: the model's answer and every
 * fallback alike, topped up from the chain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CatalogFile } from '../../data/catalog.ts';
import { answersWith, startStack } from '../../workshop/test-support/stack.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';

const catalog = JSON.parse(readFileSync(new URL('../../data/catalog.json', import.meta.url), 'utf8')) as CatalogFile;
const byId = new Map(catalog.products.map((p) => [p.id, p]));
const daysBefore = (days: number) => new Date(Date.parse(catalog.asOf) - days * 86_400_000).toISOString().slice(0, 10);

function rulesFile(placements: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'reco-only-')), 'placements.json');
  const defaults = {
    budgetMs: 1000,
    limit: 4,
    overfetch: 10,
    fallback: ['best-sellers'],
    filters: ['in-stock', 'no-duplicates'],
    recentlyBoughtDays: 30,
  };
  writeFileSync(path, JSON.stringify({ defaults, placements }));
  return path;
}

describe('placement constraints', () => {
  const fresh = catalog.products.filter((p) => p.inStock && p.firstSold >= daysBefore(90)).map((p) => p.id);
  const old = catalog.products.filter((p) => p.inStock && p.firstSold < daysBefore(365)).map((p) => p.id);

  it('keeps only new products from the model, and tops up with new ones from the rules', async () => {
    const stack = await startStack({
      model: answersWith([old[0]!, fresh[0]!, old[1]!, fresh[1]!]),
      config: {
        placementsFile: rulesFile({ 'new-in': { only: { firstSoldWithinDays: 90 }, fallback: ['new-arrivals'] } }),
      },
    });
    try {
      const { body } = await askShelf(stack, { placement: 'new-in', userId: '17850' });
      assert.equal(body.source, 'model');
      assert.deepEqual(
        body.items.slice(0, 2).map((i) => i.id),
        [fresh[0], fresh[1]],
      );
      assert.equal(body.items.length, 4);
      for (const item of body.items) assert.ok(byId.get(item.id)!.firstSold >= daysBefore(90), item.id);
      assert.deepEqual(body.resolvers, ['model', 'new-arrivals']);
      assert.equal(stack.container.received.at(-1)!.k, 40, 'the model is asked with room for the rule');
    } finally {
      await stack.close();
    }
  });

  it('holds for the fallback too: a category placement with the cloud failing shows only that category', async () => {
    const stack = await startStack({
      config: { placementsFile: rulesFile({ kitchen: { only: { category: 'Kitchen & Dining' } } }) },
    });
    try {
      await stack.weather('error');
      const { body } = await stack.get('/v1/recommendations?placement=kitchen&sessionId=s1');
      assert.equal(body.source, 'fallback');
      assert.equal(body.items.length, 4);
      assert.ok(
        body.items.every((i) => i.category === 'Kitchen & Dining'),
        JSON.stringify(body.items),
      );
    } finally {
      await stack.close();
    }
  });

  it('refuses an unknown key in the rule by name', async () => {
    const { parseRuleBook } = await import('./placement-rules.ts');
    const shipped = JSON.parse(readFileSync(new URL('../placements.json', import.meta.url), 'utf8'));
    assert.throws(
      () => parseRuleBook({ ...shipped, placements: { x: { only: { newerThan: 3 } } } }),
      /placements\.x\.only/,
    );
  });
});
