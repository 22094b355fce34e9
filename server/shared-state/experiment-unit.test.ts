/**
 * The experiment's unit over real HTTP, a real local runtime and a real redis-server: events joined to
 * their answer by `requestId` on the server (at another instance through Redis), the challenger pinned
 * per person, one arm across sign-in.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { testPseudonymKey } from '../../workshop/test-support/fixtures.ts';
import { storedEventsIn } from '../../workshop/test-support/event-store.ts';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { until } from '../../workshop/test-support/until.ts';
import type { ProxyConfig } from '../config.ts';

const run = promisify(execFile);
const serverKey = 'test-storefront-server-key-0123456789';
const json = { 'content-type': 'application/json' };
const fromServer = { ...json, authorization: `Bearer ${serverKey}` };
const batch = (...events: Array<Record<string, unknown>>): string => JSON.stringify({ events });
let ids = 0;
const event = (fields: Record<string, unknown>): Record<string, unknown> => ({
  id: `x1-event-${++ids}-${Date.now()}`,
  type: 'click',
  placement: 'home',
  itemId: '85123A',
  ts: Date.now(),
  ...fields,
});
const metricLines = async (stack: TestStack, name: string): Promise<string[]> =>
  (await stack.admin('/metrics')).text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('the experiment unit', { timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let prefix = 0;
  const opened: TestStack[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const s of opened) await s.close();
    await redis?.stop();
  });
  const start = async (
    config: Partial<ProxyConfig>,
    variants?: Array<{ name: string; weight: number }>,
  ): Promise<TestStack> => {
    const stack = await startStack({ config: { serverKey, ...config }, ...(variants ? { variants } : {}) });
    opened.push(stack);
    return stack;
  };
  const pair = async (config: Partial<ProxyConfig> = {}, variants?: Array<{ name: string; weight: number }>) => {
    const shared = {
      redisUrl: redis.url,
      pseudonymKey: testPseudonymKey,
      redisKeyPrefix: `x1-${++prefix}:`,
      ...config,
    };
    const a = await start({ ...shared, redisTimeoutMs: 50 }, variants);
    const b = await start({ ...shared, redisTimeoutMs: 50 }, variants);
    await until(() => a.proxy.redis?.up && b.proxy.redis?.up, Boolean, 'both connected to redis');
    return [a, b] as const;
  };

  it('joins an event to the answer its requestId names, at another instance, whatever the sender echoes', async () => {
    const [a, b] = await pair({}, [{ name: 'champion-7', weight: 1 }]);
    const shelf = await askShelf(a, { placement: 'home', sessionId: 'session-join-1' });
    assert.equal(shelf.body.source, 'model');
    assert.equal(shelf.body.model?.variant, 'champion-7');
    const { requestId } = shelf.body;
    // A page echoing another variant, and the storefront's server naming none (it never saw the answer).
    const page = event({ requestId, sessionId: 'session-join-1', variant: 'made-up', modelVersion: 'v-forged' });
    const server = event({ requestId, sessionId: 'session-join-1', type: 'add_to_cart' });
    assert.equal((await b.send('POST', '/v1/events', batch(page), json)).status, 202);
    assert.equal((await b.send('POST', '/v1/events', batch(server), fromServer)).status, 202);
    const stored = await until(
      () => storedEventsIn(b.proxy.eventLog.dir),
      (events) => events.length === 2,
      'both events stored',
    );
    for (const e of stored) {
      assert.equal(e.variant, 'champion-7', `${e.type}: the answer's variant`);
      assert.equal(e.modelVersion, 'test-model-1', `${e.type}: the answer's model version`);
      assert.equal(e.arm, 'model');
    }
    const counted = await metricLines(b, 'reco_shelf_events_total');
    assert.ok(
      counted.some((l) => l.includes('type="add_to_cart"') && l.includes('variant="champion-7"')),
      `the server-side event counts for its variant: ${counted.join('; ')}`,
    );
    assert.ok(!counted.some((l) => l.includes('variant="other"')), 'the echoed name is nowhere');
    const joins = await metricLines(b, 'reco_event_answer_joins_total');
    assert.ok(
      joins.some((l) => l.includes('outcome="joined"') && l.endsWith(' 2')),
      joins.join('; '),
    );
  });

  it('drops an echoed variant whose requestId no answer had', async () => {
    const stack = await start({});
    const forged = event({ requestId: 'not-an-answer', sessionId: 's-forged', variant: 'AllTraffic' });
    assert.equal((await stack.send('POST', '/v1/events', batch(forged), json)).status, 202);
    const [stored] = await until(
      () => storedEventsIn(stack.proxy.eventLog.dir),
      (e) => e.length === 1,
      'stored',
    );
    assert.equal(stored!.variant, undefined);
    const joins = await metricLines(stack, 'reco_event_answer_joins_total');
    assert.ok(
      joins.some((l) => l.includes('outcome="unknown"') && l.endsWith(' 1')),
      joins.join('; '),
    );
  });

  it('pins each shopper to the variant that first answered them, at every instance', async () => {
    // The runtime splits 50/50 call by call, as SageMaker does without RECO_VARIANTS.
    const [a, b] = await pair({}, [
      { name: 'champion', weight: 1 },
      { name: 'challenger', weight: 1 },
    ]);
    const seen = new Map<string, Set<string>>();
    for (let shopper = 0; shopper < 12; shopper++) {
      const variants = new Set<string>();
      for (let view = 0; view < 6; view++) {
        // A new context each view: every view is a model call, not the answer cache.
        const at = view % 2 === 0 ? a : b;
        const shelf = await askShelf(at, { placement: 'home', sessionId: `pin-${shopper}`, items: [`2242${view}`] });
        assert.equal(shelf.body.source, 'model');
        variants.add(shelf.body.model!.variant!);
      }
      seen.set(`pin-${shopper}`, variants);
    }
    for (const [shopper, variants] of seen) assert.equal(variants.size, 1, `${shopper}: ${[...variants]}`);
    const first = new Set([...seen.values()].map((v) => [...v][0]));
    assert.deepEqual([...first].sort(), ['challenger', 'champion'], 'new shoppers still split by the weights');
  });
  it('keeps a shopper in the arm of the customer they sign in as, at every instance', async () => {
    const [a, b] = await pair({ holdoutPercent: 50 });
    // A session whose own arm differs from its customer's.
    const unit = a.proxy.experiment;
    let session = '';
    let customer = '';
    for (let i = 0; i < 200 && !session; i++) {
      const s = `arm-session-${i}`;
      const c = String(13000 + i);
      if (unit.inHoldout(`s:${s}`) && !unit.inHoldout(`u:${c}`)) [session, customer] = [s, c];
    }
    assert.ok(session, 'a session held out whose customer is not');
    const before = await askShelf(b, { placement: 'home', sessionId: session });
    assert.equal(before.body.fallbackReason, 'holdout', 'before sign-in: the session is held out');
    const identify = {
      id: `identify-${session}`,
      type: 'identify',
      sessionId: session,
      userId: customer,
      ts: Date.now(),
    };
    assert.equal((await a.send('POST', '/v1/events', batch(identify), fromServer)).status, 202);
    const after = await askShelf(b, { placement: 'home', sessionId: session });
    assert.equal(after.body.source, 'model', 'after sign-in the session is in its customer arm, at B too');
    const signedIn = await askShelf(b, { placement: 'home', userId: customer, sessionId: session });
    assert.equal(signedIn.body.source, 'model');
  });

  it('takes identify only from the storefront server, and the export counts the session for its customer', async () => {
    const stack = await start({});
    const identify = { id: 'identify-page-1', type: 'identify', sessionId: 'guest-1', userId: '17850', ts: Date.now() };
    const refused = await stack.send('POST', '/v1/events', batch(identify), json);
    assert.equal(refused.status, 400);
    assert.match(
      refused.body.error.message,
      /^events\[0\]\.type: identify events come only from the storefront server/,
    );
    const noSession = await stack.send('POST', '/v1/events', batch({ ...identify, sessionId: undefined }), fromServer);
    assert.equal(noSession.status, 400);
    assert.match(noSession.body.error.message, /^events\[0\]\.sessionId: /);
    const before = event({ sessionId: 'guest-1', type: 'add_to_cart', requestId: 'req-guest-before' });
    assert.equal((await stack.send('POST', '/v1/events', batch(before), json)).status, 202);
    assert.equal((await stack.send('POST', '/v1/events', batch(identify), fromServer)).status, 202);
    const exported = await run(process.execPath, [
      '--import',
      'tsx',
      'server/events/export-cli.ts',
      ...['--dir', stack.proxy.eventLog.dir, '--types', 'add_to_cart', '--format', 'csv'],
    ]);
    const lines = exported.stdout.trim().split('\n');
    assert.equal(lines.length, 2, exported.stdout);
    assert.match(lines[1]!, /^Wreqguestbefore,85123A,.*,17850,Web$/, "the guest add-to-cart is the customer's");
  });

  it("keeps a guest's purchase off the shelf of the customer the session signs in as, across instances", async () => {
    const [a, b] = await pair();
    const shown = async () => (await askShelf(a, { placement: 'home', userId: '12347' })).body.items.map((i) => i.id);
    assert.ok((await shown()).includes('22423'), 'the model puts 22423 first');
    const guest = { sessionId: 'guest-buyer-1', type: 'purchase', itemId: '22423' };
    assert.equal((await a.send('POST', '/v1/events', batch(event(guest)), fromServer)).status, 202);
    assert.ok((await shown()).includes('22423'), "a guest purchase is nobody else's");
    const identify = { id: 'identify-guest-buyer-1', type: 'identify', sessionId: 'guest-buyer-1', userId: '12347' };
    assert.equal((await b.send('POST', '/v1/events', batch({ ...identify, ts: Date.now() }), fromServer)).status, 202);
    await until(shown, (ids) => !ids.includes('22423'), 'the purchase joins the customer at A');
  });

  it('keeps the sign-in and the guest purchase across a restart without Redis', async () => {
    const first = await start({ holdoutPercent: 50 });
    const unit = first.proxy.experiment;
    let session = '';
    let customer = '';
    for (let i = 0; i < 200 && !session; i++)
      if (unit.inHoldout(`s:restart-${i}`) && !unit.inHoldout(`u:${14000 + i}`))
        [session, customer] = [`restart-${i}`, String(14000 + i)];
    const guest = event({ sessionId: session, type: 'purchase', itemId: '22423' });
    const identify = {
      id: `identify-${session}`,
      type: 'identify',
      sessionId: session,
      userId: customer,
      ts: Date.now(),
    };
    assert.equal((await first.send('POST', '/v1/events', batch(guest, identify), fromServer)).status, 202);
    const eventsDir = first.proxy.eventLog.dir;
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const second = await startStack({ eventsDir, config: { serverKey, holdoutPercent: 50 } });
    opened.push(second);
    const shelf = await askShelf(second, { placement: 'home', sessionId: session });
    assert.equal(shelf.body.source, 'model', "the session is still in its customer's arm");
    const customerShelf = await askShelf(second, { placement: 'home', userId: customer });
    assert.ok(!customerShelf.body.items.some((i) => i.id === '22423'), 'the guest purchase is still theirs');
  });
});
