import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readStoredEvents } from '../events/stored-events.ts';
import { holdoutAssigner, shopperKey } from './holdout.ts';
import { VariantLabels } from './variant-label.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';

describe('the holdout assignment', () => {
  it('holds out about the configured share, the same shoppers every time', () => {
    const inHoldout = holdoutAssigner(10);
    const again = holdoutAssigner(10);
    const shoppers = Array.from({ length: 20_000 }, (_, i) => `u:${100_000 + i}`);
    const held = shoppers.filter((s) => inHoldout(s));
    // 20 000 draws at 10 %: the standard deviation is about 0.2 points.
    assert.ok(held.length > 1_850 && held.length < 2_150, `${held.length} of 20000 held out`);
    assert.deepEqual(
      held,
      shoppers.filter((s) => again(s)),
    );
  });

  it('holds out nobody at 0 %, everybody at 100 %, and never a shopper without an id', () => {
    assert.equal(holdoutAssigner(0)('u:17850'), false);
    assert.equal(holdoutAssigner(100)('s:any-session'), true);
    assert.equal(holdoutAssigner(100)(undefined), false);
  });

  it('keys a shopper as the shelf service does: customer first, then session', () => {
    assert.equal(shopperKey('17850', 'abc'), 'u:17850');
    assert.equal(shopperKey(undefined, 'abc'), 's:abc');
    assert.equal(shopperKey(undefined, undefined), undefined);
  });
});

describe('the variant label', () => {
  it('keeps configured variants and calls the rest "other", an absent one "none"', () => {
    const labels = new VariantLabels(['model-a', 'model-b']);
    assert.deepEqual(
      [labels.label('model-a'), labels.label('made-up'), labels.label(undefined)],
      ['model-a', 'other', 'none'],
    );
  });

  it('labels only variants seen in the proxy’s own answers, at most ten, never a name a page sends', () => {
    const labels = new VariantLabels([]);
    const sent = Array.from({ length: 15 }, (_, i) => labels.label(`page-${i}`));
    assert.deepEqual(new Set(sent), new Set(['other']), 'names from events never become labels');
    for (let i = 0; i < 15; i++) labels.saw(`v${i}`);
    const seen = Array.from({ length: 15 }, (_, i) => labels.label(`v${i}`));
    assert.equal(new Set(seen).size, 11);
    assert.equal(seen.at(-1), 'other');
    assert.equal(labels.label('v0'), 'v0');
  });
});

describe('a proxy with every shopper held out', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: { holdoutPercent: 100 } });
  });
  after(() => stack.close());

  it('answers with the rules, reason "holdout", without calling the model', async () => {
    const res = await askShelf(stack, { placement: 'home', userId: '17850' });
    assert.equal(res.status, 200);
    assert.equal(res.body.source, 'fallback');
    assert.equal(res.body.fallbackReason, 'holdout');
    assert.equal(res.body.model, null);
    assert.ok(res.body.items.length > 0);
    assert.equal(await stack.invocations(), 0);
    const metrics = (await stack.admin('/metrics')).text;
    assert.match(metrics, /reco_requests_total\{placement="home",source="fallback",reason="holdout"\} 1/);
  });

  it('stores each event with its arm; a variant and model version only from a remembered answer', async () => {
    const shelf = await askShelf(stack, { placement: 'home', userId: '17850' });
    const base = { type: 'impression', placement: 'home', itemId: '85123A', ts: Date.now() };
    const events = [
      { ...base, id: 'evt-arm-0001', userId: '17850', source: 'model', requestId: shelf.body.requestId },
      // An echo of a variant no answer of this proxy gave (no requestId): dropped, never trusted.
      { ...base, id: 'evt-arm-0002', userId: '12347', source: 'model', variant: 'AllTraffic', modelVersion: 'm-1' },
    ];
    const res = await stack.send('POST', '/v1/events', JSON.stringify({ events }), {
      'content-type': 'application/json',
    });
    assert.equal(res.status, 202);
    const stored = (await readStoredEvents(stack.proxy.eventLog.dir)).filter((e) => e.id.startsWith('evt-arm'));
    assert.deepEqual(
      stored.map((e) => [e.arm, e.source, e.variant, e.modelVersion]),
      [
        ['holdout', 'fallback', undefined, undefined],
        ['holdout', 'model', undefined, undefined],
      ],
    );
    const metrics = (await stack.admin('/metrics')).text;
    // The first is joined to its answer (the rules', by design); the second's source is the sender's word.
    assert.match(
      metrics,
      /reco_shelf_events_total\{type="impression",source="fallback",arm="holdout",variant="none"\} 1/,
    );
    assert.match(metrics, /reco_shelf_events_total\{type="impression",source="model",arm="holdout",variant="none"\} 1/);
  });
});

describe('a proxy with nobody held out', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('asks the model and stores events in the model arm', async () => {
    const res = await askShelf(stack, { placement: 'home', userId: '17850' });
    assert.equal(res.body.source, 'model');
    const event = { id: 'evt-model-0001', type: 'click', placement: 'home', itemId: '85123A', userId: '17850' };
    await stack.send('POST', '/v1/events', JSON.stringify({ events: [{ ...event, ts: Date.now() }] }), {
      'content-type': 'application/json',
    });
    const [stored] = await readStoredEvents(stack.proxy.eventLog.dir);
    assert.equal(stored?.arm, 'model');
  });
});
