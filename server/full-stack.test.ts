import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { answersWith, startStack, type TestStack } from '../workshop/test-support/stack.ts';
import { until } from '../workshop/test-support/until.ts';
import { askShelf } from '../workshop/test-support/shelf-request.ts';

const home = { placement: 'home', userId: '17850', limit: 8 };

describe('recommendations through the SageMaker path', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: { cacheFreshMs: 0, breakerFailures: 100, hardCapMs: 600 } });
  });
  after(() => stack.close());
  beforeEach(() => stack.weather('normal'));

  it('answers from the model, enriched from the catalog, with the variant and Server-Timing', async () => {
    const { status, body, headers } = await askShelf(stack, home);
    assert.equal(status, 200);
    assert.equal(body.source, 'model');
    assert.equal(body.fallbackReason, null);
    assert.deepEqual(body.model, { version: 'test-model-1', variant: 'AllTraffic' });
    assert.equal(body.items.length, 8);
    assert.equal(body.items[0]!.id, '22423');
    assert.equal(body.items[0]!.title, 'Regency Cakestand 3 Tier');
    assert.equal(typeof body.items[0]!.price.value, 'number');
    assert.match(
      headers.get('server-timing') ?? '',
      /^upstream;dur=[\d.]+, total;dur=[\d.]+, placement;desc=home, source;desc=model, variant;desc="AllTraffic"$/,
    );
    const asked = stack.container.received.at(-1)!;
    assert.equal(asked.userId, '17850');
    assert.ok(asked.k > 8, 'asks for more than it shows');
  });

  it('sends the context items as exclusions and never shows them', async () => {
    const { body } = await askShelf(stack, { placement: 'product', userId: '17850', items: ['22423'], limit: 6 });
    assert.deepEqual(stack.container.received.at(-1)!.exclude, ['22423']);
    assert.ok(!body.items.some((i) => i.id === '22423'));
    assert.equal(body.items.length, 6);
  });

  for (const [mode, reason] of [
    ['error', 'error'],
    ['throttle', 'throttled'],
    ['garbage', 'error'],
    ['reset', 'error'],
  ] as const) {
    it(`answers from the rules with fallbackReason "${reason}" when the cloud is in "${mode}" weather`, async () => {
      await stack.weather(mode);
      const { status, body } = await stack.get(`/v1/recommendations?placement=home&sessionId=weather-${mode}`);
      assert.equal(status, 200);
      assert.equal(body.source, 'fallback');
      assert.equal(body.fallbackReason, reason);
      assert.deepEqual(body.resolvers, ['best-sellers']);
      assert.equal(body.items.length, 8);
    });
  }

  it("serves the shopper's stale model answer first when the cloud fails", async () => {
    const first = await askShelf(stack, { placement: 'home', userId: 'stale-1' });
    assert.equal(first.body.source, 'model');
    await stack.weather('error');
    const { body } = await askShelf(stack, { placement: 'home', userId: 'stale-1' });
    assert.equal(body.source, 'cache');
    assert.equal(body.fallbackReason, 'error');
    assert.deepEqual(body.model, first.body.model);
    assert.deepEqual(
      body.items.map((i) => i.id),
      first.body.items.map((i) => i.id),
    );
    assert.deepEqual(body.resolvers, ['last-model-answer']);
  });

  it('shares one upstream call among identical concurrent requests', async () => {
    // The first call is held long enough for all ten to arrive while it is in flight.
    await stack.weather('slow', 100);
    const before = await stack.invocations();
    const coalesced = () =>
      stack.admin('/metrics').then((r) => Number(/^reco_coalesced_requests_total (\d+)/m.exec(r.text)?.[1] ?? 0));
    const coalescedBefore = await coalesced();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => askShelf(stack, { placement: 'home', userId: 'coalesce-1' })),
    );
    assert.ok(answers.every((a) => a.status === 200 && a.body.items.length === 8));
    assert.equal((await stack.invocations()) - before, 1);
    assert.equal((await coalesced()) - coalescedBefore, 9);
  });

  it('gives an unknown placement the default rules, says so in the answer, and counts it', async () => {
    const { status, body } = await stack.get('/v1/recommendations?placement=footer-promo&sessionId=s1');
    assert.equal(status, 200);
    assert.equal(body.items.length, 8);
    assert.deepEqual(
      body.warnings?.map((w) => w.code),
      ['unknown-placement'],
    );
    assert.match(body.warnings?.[0]?.message ?? '', /"footer-promo" is not in the placement rules/);
    assert.equal((await stack.get('/v1/recommendations?placement=home&sessionId=s1')).body.warnings, undefined);
    const metrics = (await stack.admin('/metrics')).text;
    assert.match(metrics, /reco_unknown_placement_total [1-9]/);
    assert.match(metrics, /reco_requests_total\{placement="unknown",source="model",reason="none"\} [1-9]/);
  });
});

describe('the budget', () => {
  const budgetMs = 150;
  const hardCapMs = 600;
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ budgetMs, config: { cacheFreshMs: 0, breakerFailures: 100, hardCapMs } });
  });
  after(() => stack.close());

  it('falls back when the endpoint is slower than the budget, within the budget', async () => {
    await stack.weather('slow', 2000);
    const started = performance.now();
    const { body, headers } = await askShelf(stack, { placement: 'home', userId: '12347', limit: 8 });
    const elapsed = performance.now() - started;
    assert.equal(body.source, 'fallback');
    assert.equal(body.fallbackReason, 'timeout');
    assert.equal(body.model, null);
    assert.equal(body.items.length, 8);
    // The proxy's own total, less how late its budget timer fired (the machine's share), keeps the
    // budget; what the client saw is only told apart from waiting for the hung call (the hard cap).
    const timing = headers.get('server-timing') ?? '';
    const total = Number(/total;dur=([\d.]+)/.exec(timing)?.[1]);
    const timerLate = Number(/timer-late;dur=([\d.]+)/.exec(timing)?.[1] ?? 0);
    assert.ok(total - timerLate <= budgetMs, `the proxy answered after ${total} ms (${timing})`);
    assert.ok(elapsed < hardCapMs, `answered in ${elapsed.toFixed(0)} ms end to end`);
  });

  it('falls back with "timeout" when the cloud hangs', async () => {
    await stack.weather('hang');
    const { body } = await stack.get('/v1/recommendations?placement=home&sessionId=hung');
    assert.equal(body.fallbackReason, 'timeout');
  });

  it('lets a late answer run on and warm the cache, so the next view is personalized', async () => {
    await stack.weather('slow', 300);
    const late = await askShelf(stack, { placement: 'home', userId: 'late-1' });
    assert.equal(late.body.fallbackReason, 'timeout');
    const warmed = await until(
      () => askShelf(stack, { placement: 'home', userId: 'late-1' }),
      (r) => r.body.source === 'cache',
      'the late answer to land',
    );
    assert.equal(warmed.body.fallbackReason, 'timeout', 'still slow, served from the warmed cache');
    assert.equal(warmed.body.model?.version, 'test-model-1');
  });
});

describe('fresh cache', () => {
  it('answers a repeat view from the cache without calling the cloud', async () => {
    const stack = await startStack();
    try {
      assert.equal((await askShelf(stack, home)).body.source, 'model');
      const before = await stack.invocations();
      const { body } = await askShelf(stack, home);
      assert.equal(body.source, 'cache');
      assert.equal(body.fallbackReason, null);
      assert.equal(await stack.invocations(), before);
    } finally {
      await stack.close();
    }
  });
});

describe('too few products', () => {
  it('tops up a short model answer from the fallback chain without a reason', async () => {
    const stack = await startStack({ model: answersWith(['22423']) });
    try {
      const { body } = await askShelf(stack, { placement: 'home', userId: '1', limit: 8 });
      assert.equal(body.fallbackReason, null);
      assert.equal(body.items.length, 8);
      assert.deepEqual(body.resolvers, ['model', 'best-sellers']);
    } finally {
      await stack.close();
    }
  });

  it('says "too-few" when the whole chain cannot fill the shelf', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    const rules = {
      defaults: {
        budgetMs: 150,
        limit: 8,
        overfetch: 3,
        fallback: ['pinned'],
        filters: ['in-stock', 'no-duplicates'],
        recentlyBoughtDays: 30,
      },
      placements: { tiny: { pinned: ['85123A', '47566'] } },
    };
    writeFileSync(join(dir, 'placements.json'), JSON.stringify(rules));
    const stack = await startStack({
      model: answersWith(['NOT-IN-CATALOG']),
      config: { placementsFile: join(dir, 'placements.json') },
    });
    try {
      const { body } = await askShelf(stack, { placement: 'tiny', userId: '1' });
      assert.equal(body.source, 'model');
      assert.equal(body.fallbackReason, 'too-few');
      assert.deepEqual(
        body.items.map((i) => i.id),
        ['85123A', '47566'],
      );
      assert.deepEqual(body.resolvers, ['pinned']);
    } finally {
      await stack.close();
    }
  });
});

describe('an unreachable cloud', () => {
  it('answers from the rules with "error" when the endpoint\'s port is closed', async () => {
    const stack = await startStack({ config: { endpointUrl: 'http://127.0.0.1:9' } });
    try {
      const { status, body } = await askShelf(stack, home);
      assert.equal(status, 200);
      assert.equal(body.source, 'fallback');
      assert.equal(body.fallbackReason, 'error');
      assert.match(
        (await stack.admin('/metrics')).text,
        /reco_upstream_duration_seconds_count\{outcome="connection-refused"/,
      );
    } finally {
      await stack.close();
    }
  });
});

describe('no AWS credentials', () => {
  it('answers from the rules with "not-configured" when the provider chain finds no credentials', async () => {
    const saved = {
      id: process.env.AWS_ACCESS_KEY_ID,
      secret: process.env.AWS_SECRET_ACCESS_KEY,
      profile: process.env.AWS_PROFILE,
      imds: process.env.AWS_EC2_METADATA_DISABLED,
      config: process.env.AWS_SHARED_CREDENTIALS_FILE,
    };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    const stack = await startStack({ withoutCredentials: true });
    try {
      const { status, body } = await askShelf(stack, home);
      assert.equal(status, 200);
      assert.equal(body.source, 'fallback');
      assert.equal(body.fallbackReason, 'not-configured');
      assert.equal(body.items.length, 8);
    } finally {
      await stack.close();
      for (const [key, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
        ['AWS_PROFILE', saved.profile],
        ['AWS_EC2_METADATA_DISABLED', saved.imds],
        ['AWS_SHARED_CREDENTIALS_FILE', saved.config],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
