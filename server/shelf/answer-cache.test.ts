import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache } from './answer-cache.ts';

const answer = (id: string) => ({ ids: [id], modelVersion: 'v1', variant: null });

describe('answer cache', () => {
  it('serves an answer as fresh only within the fresh TTL, then as stale within the stale window', () => {
    let now = 0;
    const cache = new AnswerCache({ maxEntries: 10, freshMs: 100, staleMs: 1000, now: () => now });
    cache.set('u:1', 'k', answer('A'));
    now = 100;
    assert.deepEqual(cache.fresh('k')?.ids, ['A']);
    now = 101;
    assert.equal(cache.fresh('k'), undefined);
    assert.deepEqual(cache.stale('u:1', 'k')?.ids, ['A']);
    now = 1001;
    assert.equal(cache.stale('u:1', 'k'), undefined);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new AnswerCache({ maxEntries: 2, freshMs: 1000, staleMs: 1000 });
    cache.set('u:1', 'a', answer('A'));
    cache.set('u:2', 'b', answer('B'));
    cache.fresh('a');
    cache.set('u:3', 'c', answer('C'));
    assert.equal(cache.size, 2);
    assert.ok(cache.fresh('a'));
    assert.equal(cache.fresh('b'), undefined);
  });

  it("never hands one shopper another shopper's answer", () => {
    const cache = new AnswerCache({ maxEntries: 10, freshMs: 1000, staleMs: 1000 });
    cache.set('u:1', 'one', answer('A'));
    assert.equal(cache.stale('u:2', 'two'), undefined);
    assert.equal(cache.stale(undefined, 'two'), undefined);
  });
});
