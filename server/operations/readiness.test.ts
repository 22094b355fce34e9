/**
 * Readiness means shelves: an event store that cannot write (here: its disk bound reached with
 * nothing shipped, so nothing may be deleted) refuses events with 503 + Retry-After, while
 * `/readyz` stays 200 on both listeners and says why events are unavailable, and the gauge says 0.
 * (workshop/resilience/full-disk.test.ts does the same on a real full filesystem.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clickEvent } from '../../workshop/test-support/event-store.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';

describe('readiness while the event store cannot write', () => {
  let stack: TestStack;
  before(async () => {
    // Below one batch: the first write finds no room and nothing shipped to delete.
    stack = await startStack({ config: { eventsMaxDiskBytes: 100 } });
  });
  after(() => stack.close());

  it('is ready with events ok before any refusal, and the gauge says 1', async () => {
    const ready = await stack.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), {
      status: 'ready',
      checks: { catalog: true, rules: true, warmUp: true },
      events: 'ok',
    });
    assert.match((await stack.admin('/metrics')).text, /^reco_events_store_writable 1$/m);
  });

  it('refuses events with 503 + Retry-After, stays ready for shelves, and says why events are off', async () => {
    const body = JSON.stringify({ events: [clickEvent('readiness-1'), clickEvent('readiness-2')] });
    const refused = await stack.send('POST', '/v1/events', body, { 'content-type': 'application/json' });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body.error.code, 'events_unavailable');
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);

    for (const answer of [await stack.get('/readyz'), await stack.admin('/readyz')]) {
      assert.equal(answer.status, 200, answer.text);
      const ready = JSON.parse(answer.text) as { status: string; events: string; reason: string };
      assert.equal(ready.status, 'ready');
      assert.equal(ready.events, 'unavailable');
      assert.match(ready.reason, /disk bound reached/);
    }
    assert.equal((await askShelf(stack, { placement: 'home', userId: '17850' })).status, 200);
    assert.match((await stack.admin('/metrics')).text, /^reco_events_store_writable 0$/m);
  });

  it('still answers 503 while draining, with the event store state', async () => {
    const own = await startStack();
    try {
      own.proxy.state.draining = true;
      const draining = await own.get('/readyz');
      assert.equal(draining.status, 503);
      assert.deepEqual(JSON.parse(draining.text), { status: 'draining', events: 'ok' });
    } finally {
      await own.close();
    }
  });
});
