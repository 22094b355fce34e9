/**
 * Issue "Trust": only a token signed by the storefront names a customer; customer ids cross
 * to the cloud only as pseudonyms; purchases come only from the storefront's server; one
 * shopper cannot poison the cloud path.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { CatalogFile } from '../../data/catalog.ts';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import { craftToken, signShopperToken, testTokenSecret } from '../../workshop/test-support/shopper-tokens.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';

const now = () => Math.floor(Date.now() / 1000);
const json = { 'content-type': 'application/json' };
const serverKey = 'test-storefront-server-key-0123456789';
const pseudonymKey = 'test-pseudonym-key-0123456789abcdef';

describe('shopper tokens', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      config: { allowRawUserIds: false, shopperTokenSecret: testTokenSecret, cacheFreshMs: 0 },
    });
  });
  after(() => stack.close());

  const untrusted = async () =>
    Object.fromEntries(
      [
        ...(await stack.admin('/metrics')).text.matchAll(/^reco_untrusted_shoppers_total\{cause="([a-z-]+)"\} (\d+)/gm),
      ].map((m) => [m[1]!, Number(m[2])]),
    );

  it('personalises for the customer a valid token names', async () => {
    const token = await signShopperToken('17850');
    const { body } = await askShelf(stack, { placement: 'home', shopperToken: token });
    assert.equal(body.source, 'model');
    assert.equal(stack.container.received.at(-1)!.userId, '17850');
  });

  it('answers a raw userId as an anonymous shopper, counted', async () => {
    const before = (await untrusted())['raw-user-id'] ?? 0;
    const { status, body } = await askShelf(stack, { placement: 'home', userId: '17850', sessionId: 's-raw' });
    assert.equal(status, 200);
    assert.equal(body.items.length, 8);
    assert.equal(stack.container.received.at(-1)!.userId, undefined);
    assert.equal((await untrusted())['raw-user-id'], before + 1);
  });

  const forgeries: Array<[string, () => Promise<string>, string]> = [
    ['another secret', () => signShopperToken('17850', 'another-secret-of-at-least-32-bytes!!'), 'bad-signature'],
    ['an expired token', () => signShopperToken('17850', testTokenSecret, -60), 'expired'],
    ['alg none', () => craftToken({ alg: 'none' }, { sub: '17850', iat: now(), exp: now() + 600 }), 'wrong-algorithm'],
    ['HS512', () => craftToken({ alg: 'HS512' }, { sub: '17850', iat: now(), exp: now() + 600 }), 'wrong-algorithm'],
    ['no exp', () => craftToken({ alg: 'HS256' }, { sub: '17850', iat: now() }), 'bad-claims'],
    ['a numeric sub', () => craftToken({ alg: 'HS256' }, { sub: 17850, iat: now(), exp: now() + 600 }), 'bad-claims'],
    [
      'a sub of 129 characters',
      () => craftToken({ alg: 'HS256' }, { sub: '1'.repeat(129), iat: now(), exp: now() + 600 }),
      'bad-claims',
    ],
    ['two segments', async () => 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxNzg1MCJ9', 'malformed'],
    ['bad base64', async () => 'e@@.e@@.e@@', 'malformed'],
    ['a huge token', async () => `${'a'.repeat(5000)}.b.c`, 'malformed'],
  ];
  for (const [what, make, cause] of forgeries) {
    it(`answers ${what} as an anonymous shopper, counted as ${cause}`, async () => {
      const before = (await untrusted())[cause] ?? 0;
      const token = await make();
      const { status, body } = await stack.send(
        'POST',
        '/v1/recommendations',
        JSON.stringify({ placement: 'home', shopperToken: token, sessionId: 'anon' }),
        json,
      );
      assert.equal(status, 200);
      assert.equal(body.items.length, 8);
      assert.equal(stack.container.received.at(-1)?.userId, undefined, 'no customer reached the model');
      assert.equal((await untrusted())[cause], before + 1);
    });
  }
});

describe('pseudonyms across the boundary', () => {
  it('never sends the customer number to the endpoint: one pseudonym per customer, distinct across them', async () => {
    const stack = await startStack({ config: { pseudonymKey, cacheFreshMs: 0 } });
    const seen: string[] = [];
    stack.runtime.runtime.server.on('request', (req) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => seen.push(JSON.stringify(req.headers) + req.url + Buffer.concat(chunks).toString()));
    });
    try {
      for (const userId of ['17850', '17850', '12347']) await askShelf(stack, { placement: 'home', userId });
      const sent = stack.container.received.slice(-3).map((r) => r.userId);
      assert.deepEqual(sent, [
        pseudonymOf('17850', pseudonymKey),
        pseudonymOf('17850', pseudonymKey),
        pseudonymOf('12347', pseudonymKey),
      ]);
      assert.equal(seen.length, 3);
      for (const request of seen) {
        assert.ok(!request.includes('17850') && !request.includes('12347'), `a customer id crossed: ${request}`);
      }
    } finally {
      await stack.close();
    }
  });
});

describe('events nobody can forge', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      config: {
        allowRawUserIds: false,
        shopperTokenSecret: testTokenSecret,
        serverKey,
        cacheFreshMs: 0,
        breakerFailures: 3,
      },
    });
  });
  after(() => stack.close());

  const event = (fields: Record<string, unknown>) => ({
    id: `evt-${Math.random().toString(36).slice(2, 12)}`,
    type: 'click',
    placement: 'home',
    itemId: '85123A',
    ts: Date.now(),
    ...fields,
  });
  const post = (events: object[], headers: Record<string, string> = {}) =>
    stack.send('POST', '/v1/events', JSON.stringify({ events }), { ...json, ...headers });

  it('refuses a purchase from a browser, by name, and stores the rest of the batch', async () => {
    const { status, body } = await post([event({ type: 'purchase', sessionId: 's1' }), event({ sessionId: 's1' })]);
    assert.equal(status, 202);
    assert.equal((body as unknown as { accepted: number }).accepted, 1);
    assert.match(JSON.stringify(body), /events\[0\]\.type: purchase events come only from the storefront server/);
  });

  it('answers 401 for a wrong server key, 403 for the key sent from a page', async () => {
    assert.equal(
      (await post([event({ type: 'purchase', userId: '17850' })], { authorization: 'Bearer wrong' })).status,
      401,
    );
    const fromPage = await post([event({ type: 'purchase', userId: '17850' })], {
      authorization: `Bearer ${serverKey}`,
      origin: 'http://localhost:8000',
    });
    assert.equal(fromPage.status, 403);
  });

  it('rejects an unknown item and a ts in 2100 or last month by name', async () => {
    const { body } = await post([
      event({ sessionId: 's', itemId: 'NOPE' }),
      event({ sessionId: 's', ts: 4_102_400_000_000 }),
      event({ sessionId: 's', ts: Date.now() - 30 * 86_400_000 }),
      event({ sessionId: 's' }),
    ]);
    const messages = (body as unknown as { rejected: Array<{ message: string }> }).rejected
      .map((r) => r.message)
      .join('\n');
    assert.match(messages, /events\[0\]\.itemId: "NOPE" is not a catalog product/);
    assert.match(messages, /events\[1\]\.ts: /);
    assert.match(messages, /events\[2\]\.ts: older than 7 days/);
  });

  it("takes a browser event's shopper from its token only", async () => {
    const token = await signShopperToken('15311');
    const { body } = await post([event({ shopperToken: token }), event({ userId: '17850' })]);
    assert.equal((body as unknown as { accepted: number }).accepted, 1);
    assert.match(JSON.stringify(body), /events\[1\]\.userId: the shopper is unknown/);
  });

  it('keeps a customer with 1,500 purchases on the model, with the breaker closed', async () => {
    const catalog = JSON.parse(
      readFileSync(new URL('../../data/catalog.json', import.meta.url), 'utf8'),
    ) as CatalogFile;
    const products = catalog.products.map((p) => p.id).slice(0, 1500);
    assert.equal(products.length, 1500);
    // In batches of 100: a storefront's server posts JSON, whose body limit is 32 kB.
    for (let i = 0; i < products.length; i += 100) {
      const events = products.slice(i, i + 100).map((itemId) => event({ type: 'purchase', userId: '14911', itemId }));
      assert.equal((await post(events, { authorization: `Bearer ${serverKey}` })).status, 202);
    }
    const token = await signShopperToken('14911');
    for (let i = 0; i < 5; i++) {
      const { body } = await askShelf(stack, { placement: 'home', shopperToken: token });
      assert.equal(body.source, 'model', JSON.stringify(body.fallbackReason));
    }
    assert.equal(stack.container.received.at(-1)!.exclude.length, 1000);
    assert.equal(stack.proxy.breaker.state, 'closed');
  });
});

describe('shopper token claims as configured', () => {
  it('personalises only for a token of the configured issuer and audience, younger than the maximum age', async () => {
    const stack = await startStack({
      config: {
        allowRawUserIds: false,
        shopperTokenSecret: testTokenSecret,
        shopperTokenIssuer: 'https://shop.example',
        shopperTokenAudience: 'reco-proxy',
        shopperTokenMaxAgeS: 600,
        cacheFreshMs: 0,
      },
    });
    try {
      const claims = { sub: '17850', iss: 'https://shop.example', aud: 'reco-proxy', iat: now(), exp: now() + 3600 };
      const customerAsked = async (overrides: Record<string, unknown>) => {
        const shopperToken = await craftToken({ alg: 'HS256' }, { ...claims, ...overrides });
        assert.equal((await askShelf(stack, { placement: 'home', shopperToken })).status, 200);
        return stack.container.received.at(-1)?.userId;
      };
      assert.equal(await customerAsked({}), '17850');
      assert.equal(await customerAsked({ iss: 'https://evil.example' }), undefined, 'another issuer');
      assert.equal(await customerAsked({ aud: 'billing' }), undefined, 'another audience');
      assert.equal(await customerAsked({ iat: now() - 1200 }), undefined, 'older than the maximum age');
    } finally {
      await stack.close();
    }
  });
});
