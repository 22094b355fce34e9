/**
 * The shelf-event counter's `variant` label through a whole proxy: the variant of the answer an event's
 * `requestId` names (server/shared-state/answer-memory.ts); names a page sends are dropped (`none`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickEvent } from '../../workshop/test-support/event-store.ts';
import { startStack } from '../../workshop/test-support/stack.ts';

describe('the variant label of shelf events', () => {
  it('comes from the answer the event names, never from the names a page sends', async () => {
    const stack = await startStack({ variants: [{ name: 'blue', weight: 1 }] });
    const post = (id: string, variant: string, requestId?: string) =>
      stack.send('POST', '/v1/events', JSON.stringify({ events: [{ ...clickEvent(id), variant, requestId }] }), {
        'content-type': 'application/json',
      });
    const labels = async () =>
      [...(await stack.proxy.metrics.registry.metrics()).matchAll(/^reco_shelf_events_total\{[^}]*variant="([^"]*)"/gm)]
        .map((m) => m[1])
        .sort();
    try {
      // A page posts twelve made-up names before any shelf: none becomes a label.
      for (let i = 0; i < 12; i++) assert.equal((await post(`evt-made-up-${i}`, `made-up-${i}`)).status, 202);
      assert.deepEqual(await labels(), ['none']);
      const shelf = await stack.get('/v1/recommendations?placement=home&sessionId=variant-shopper');
      assert.equal(shelf.body.model?.variant, 'blue');
      assert.equal((await post('evt-blue-1', 'made-up-0', shelf.body.requestId)).status, 202);
      assert.deepEqual(await labels(), ['blue', 'none'], 'the variant the answer came from is labelled');
    } finally {
      await stack.close();
    }
  });
});
