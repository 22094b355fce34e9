/**
 * The shelf-event counter's `variant` label through a whole proxy: only variants the proxy's
 * own answers came from become labels; names a page sends count as `other`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickEvent } from '../../workshop/test-support/event-store.ts';
import { startStack } from '../../workshop/test-support/stack.ts';

describe('the variant label of shelf events', () => {
  it('comes from the proxy’s own answers, never from the names a page sends', async () => {
    const stack = await startStack({ variants: [{ name: 'blue', weight: 1 }] });
    const post = (id: string, variant: string) =>
      stack.send('POST', '/v1/events', JSON.stringify({ events: [{ ...clickEvent(id), variant }] }), {
        'content-type': 'application/json',
      });
    const labels = async () =>
      [...(await stack.proxy.metrics.registry.metrics()).matchAll(/^reco_shelf_events_total\{[^}]*variant="([^"]*)"/gm)]
        .map((m) => m[1])
        .sort();
    try {
      // A page posts twelve made-up names before any shelf: none becomes a label.
      for (let i = 0; i < 12; i++) assert.equal((await post(`evt-made-up-${i}`, `made-up-${i}`)).status, 202);
      assert.deepEqual(await labels(), ['other']);
      const shelf = await stack.get('/v1/recommendations?placement=home&sessionId=variant-shopper');
      assert.equal(shelf.body.model?.variant, 'blue');
      assert.equal((await post('evt-blue-1', 'blue')).status, 202);
      assert.deepEqual(await labels(), ['blue', 'other'], 'the variant the answer came from is labelled');
    } finally {
      await stack.close();
    }
  });
});
