import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseRuleBook, type PlacementRules } from './placement-rules.ts';
import { buildShelf, type ShelfSource } from './shelf-builder.ts';
import { placementRules, smallCatalog } from '../../workshop/test-support/fixtures.ts';

const catalog = smallCatalog();
const source = (name: string, ids: string[]): ShelfSource => ({ name, ids: () => ids });
const noPurchases = new Set<string>();
const at = (iso: string) => Date.parse(iso);
const ids = (shelf: { items: Array<{ id: string }> }) => shelf.items.map((i) => i.id);
const reasons = (shelf: { items: Array<{ id: string; reason?: string }> }) =>
  shelf.items.map((i) => `${i.id}:${i.reason}`);

/** The shelf of `rules` from a model answer (or a fallback), judged at `now`. */
function shelf(rules: Partial<PlacementRules>, sources: ShelfSource[], now = at('2026-12-10T12:00:00Z'), limit = 4) {
  return buildShelf(placementRules(rules), limit, sources, { catalog, items: [], recentlyBought: noPurchases, now });
}
const model = source('model', ['P3', 'P1', 'P2', 'P4', 'P5', 'P6', 'P7', 'P8']);

describe('merchandising rules', () => {
  it('without rules, every card says where it came from', () => {
    const built = shelf({}, [source('model', ['P3']), source('best-sellers', ['P1', 'P2', 'P4'])]);
    assert.deepEqual(reasons(built), [
      'P3:model',
      'P1:fallback:best-sellers',
      'P2:fallback:best-sellers',
      'P4:fallback:best-sellers',
    ]);
    assert.deepEqual(ids(built), ids({ items: built.beforeRules }));
  });

  it('pins a product to its position (1 is the first card), from a model or a fallback shelf', () => {
    const pin = [{ itemId: 'P8', position: 2 }];
    assert.deepEqual(reasons(shelf({ pin }, [model])), ['P3:model', 'P8:pinned', 'P1:model', 'P2:model']);
    const fallback = [source('best-sellers', catalog.bestSellers as string[])];
    assert.deepEqual(reasons(shelf({ pin: [{ itemId: 'P8', position: 1 }] }, fallback)), [
      'P8:pinned',
      'P1:fallback:best-sellers',
      'P2:fallback:best-sellers',
      'P3:fallback:best-sellers',
    ]);
  });

  it('moves a pinned product the model ranked lower, and shows it once', () => {
    const built = shelf({ pin: [{ itemId: 'P4', position: 1 }] }, [model]);
    assert.deepEqual(ids(built), ['P4', 'P3', 'P1', 'P2']);
    assert.deepEqual(ids({ items: built.beforeRules }), ['P3', 'P1', 'P2', 'P4']);
  });

  it('a pin still passes the filters: out of stock, in the context or recently bought is not shown', () => {
    assert.deepEqual(ids(shelf({ pin: [{ itemId: 'P9', position: 1 }] }, [model])), ['P3', 'P1', 'P2', 'P4']);
    const inContext = buildShelf(placementRules({ pin: [{ itemId: 'P8', position: 1 }] }), 2, [model], {
      catalog,
      items: ['P8'],
      recentlyBought: noPurchases,
    });
    assert.deepEqual(ids(inContext), ['P3', 'P1']);
  });

  it('an earlier pin wins a contested position; a pin past a short shelf closes up', () => {
    const pin = [
      { itemId: 'P7', position: 1 },
      { itemId: 'P8', position: 1 },
      { itemId: 'P6', position: 4 },
      { itemId: 'P5', position: 40 },
    ];
    assert.deepEqual(ids(shelf({ pin }, [source('model', ['P3'])])), ['P7', 'P8', 'P3', 'P6']);
    assert.deepEqual(ids(shelf({ pin }, [source('model', [])])), ['P7', 'P8', 'P6'], 'P5 is past the shelf');
  });

  it('judges time windows at the clock it is given', () => {
    const pin = [{ itemId: 'P8', position: 1, from: '2026-12-20T00:00:00Z', until: '2026-12-27T00:00:00Z' }];
    assert.equal(ids(shelf({ pin }, [model], at('2026-12-19T23:59:59Z')))[0], 'P3');
    assert.equal(ids(shelf({ pin }, [model], at('2026-12-20T00:00:00Z')))[0], 'P8');
    assert.equal(ids(shelf({ pin }, [model], at('2026-12-27T01:00:00+01:00')))[0], 'P3');
  });

  it('boosts a category or a product by its weight in places, from below the shelf too', () => {
    // Model order P3 P1 P2 P4 P5 P6 P7 P8; Christmas is P2 P4 P6 P8.
    const boost = [{ category: 'Christmas', weight: 2 }];
    assert.deepEqual(reasons(shelf({ boost }, [model])), ['P2:boosted', 'P3:model', 'P4:boosted', 'P1:model']);
    const one = shelf({ boost: [{ itemId: 'P7', weight: 6 }] }, [model]);
    assert.deepEqual(reasons(one), ['P7:boosted', 'P3:model', 'P1:model', 'P2:model']);
  });

  it('buries by its weight; a buried card keeps its reason', () => {
    const built = shelf({ bury: [{ itemId: 'P3', weight: 2 }] }, [model]);
    assert.deepEqual(reasons(built), ['P1:model', 'P2:model', 'P3:model', 'P4:model']);
    const both = shelf({ boost: [{ itemId: 'P4', weight: 3 }], bury: [{ category: 'Christmas', weight: 3 }] }, [model]);
    assert.deepEqual(ids(both), ['P3', 'P1', 'P4', 'P5'], 'P4 nets zero, the other Christmas cards sink');
  });

  it('hides a product or a category at once and until its end', () => {
    const hide = [{ category: 'Christmas' }, { itemId: 'P3', until: '2026-12-11T00:00:00Z' }];
    assert.deepEqual(ids(shelf({ hide }, [model])), ['P1', 'P5', 'P7'], 'short: the answer has no fourth');
    assert.deepEqual(ids(shelf({ hide }, [model], at('2026-12-11T00:00:00Z'))), ['P3', 'P1', 'P5', 'P7']);
    // Hidden wins over pinned.
    assert.deepEqual(ids(shelf({ hide, pin: [{ itemId: 'P2', position: 1 }] }, [model]))[0], 'P1');
  });

  it('tops a hidden-short model shelf up from the fallback, which says so', () => {
    const built = shelf({ hide: [{ category: 'Christmas' }] }, [model, source('new-arrivals', ['P10', 'P3'])]);
    assert.deepEqual(reasons(built), ['P3:model', 'P1:model', 'P5:model', 'P7:model']);
    const short = shelf({ hide: [{ category: 'Christmas' }, { itemId: 'P7' }] }, [
      model,
      source('new-arrivals', ['P10']),
    ]);
    assert.deepEqual(reasons(short), ['P3:model', 'P1:model', 'P5:model', 'P10:fallback:new-arrivals']);
    assert.deepEqual(short.filledBy, ['model', 'new-arrivals']);
  });
});

describe('merchandising rules in the file', () => {
  const shipped = JSON.parse(readFileSync(new URL('../placements.json', import.meta.url), 'utf8'));
  const file = (home: Record<string, unknown>) => ({ defaults: shipped.defaults, placements: { home } });
  const refused = (home: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => parseRuleBook(file(home)), message);

  it('are read per placement, empty when absent', () => {
    const book = parseRuleBook(file({ pin: [{ itemId: '85123A', position: 1 }] }));
    assert.deepEqual(book.placements.get('home')!.pin, [{ itemId: '85123A', position: 1 }]);
    assert.deepEqual(book.defaults.hide, []);
  });

  it('are refused with a message that names the rule', () => {
    refused(
      {
        pin: [
          { itemId: '1', position: 1 },
          { itemId: '2', position: 0 },
        ],
      },
      /placements\.home\.pin\[1\]\.position: /,
    );
    refused({ boost: [{ category: 'A', itemId: '1', weight: 2 }] }, /placements\.home\.boost\[0\]: give either/);
    refused({ bury: [{ weight: 2 }] }, /placements\.home\.bury\[0\]: give either/);
    refused(
      { hide: [{ itemId: '1', until: '2026-12-24' }] },
      /placements\.home\.hide\[0\]\.until: must be a date-time/,
    );
    refused(
      { pin: [{ itemId: '1', position: 1, from: '2026-12-24T00:00:00Z', until: '2026-12-01T00:00:00Z' }] },
      /placements\.home\.pin\[0\]\.until: "from" must be before "until"/,
    );
    refused({ boost: [{ category: 'A', weight: 2, by: 3 }] }, /placements\.home\.boost\[0\]: Unrecognized key/);
    assert.throws(
      () => parseRuleBook({ defaults: { ...shipped.defaults, pin: [] }, placements: {} }),
      /placements: defaults: Unrecognized key: "pin"/,
    );
  });
});
