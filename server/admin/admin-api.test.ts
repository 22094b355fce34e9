/**
 * The admin page's API on a real proxy (real HTTP, the local SageMaker runtime, a scripted model): off by
 * default, who may use it, an edit that the public API serves at once, validation naming the rule, the
 * audit log, revert, conflicts and the cross-site guard.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { formatRulesFile } from './rules-file-format.ts';
import { developmentPseudonymKey } from '../../environment/development-keys.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';

const key = 'admin-key-for-tests-0123456789abcdef';
const model = ['22423', '85123A', '47566', '84879', '20725', '22720', '85099B', '21212', '23203', '22086'];
const pinned = '23084';

/** What the admin API's answers hold, as these tests read them. */
interface AdminBody {
  error: { code: string; message: string };
  placements: Array<{ name: string; rules: Record<string, unknown>; version: string }>;
  entries: Array<{ id: string; at: string; who: string; placement: string; action: string; revertOf?: string }> &
    Array<{ diff: unknown }>;
  entry: { who: string };
  live: boolean;
  warnings: string[];
  beforeRules: Array<{ id: string; reason: string }>;
  items: Array<{ id: string; reason: string }>;
}

async function adminCall(
  stack: TestStack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: AdminBody; headers: Headers }> {
  const res = await fetch(`${stack.proxy.adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      'x-reco-admin': '1',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text.startsWith('{') ? JSON.parse(text) : {}) as AdminBody,
    headers: res.headers,
  };
}

const shelfIds = async (stack: TestStack, placement = 'home') => {
  const res = await stack.get(`/v1/recommendations?placement=${placement}`);
  return (res.body.items as Array<{ id: string; reason: string }>).map((i) => `${i.id}:${i.reason}`);
};

describe('the admin page, off by default', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({});
  });
  after(() => stack.close());

  it('answers 404 and says how to turn it on; /metrics stays open', async () => {
    for (const path of ['/admin/', '/admin/api/placements']) {
      const res = await adminCall(stack, 'GET', path);
      assert.equal(res.status, 404, path);
      assert.match(res.body.error.message, /RECO_ADMIN_KEY .* RECO_ADMIN_USER_HEADER/);
    }
    assert.equal((await stack.admin('/metrics')).status, 200);
  });
});

describe('the admin API', () => {
  let stack: TestStack;
  let file: string;
  before(async () => {
    stack = await startStack({
      model: () => ({ recommendations: model.map((itemId) => ({ itemId, score: 1 })), modelVersion: 'm1' }),
      config: { adminKey: key, adminUserHeader: 'x-signed-in-user', pseudonymKey: developmentPseudonymKey },
    });
    file = stack.proxy.config.placementsFile;
  });
  after(() => stack.close());

  it('refuses a caller without the key or with a wrong one; the page itself holds no data', async () => {
    const none = await fetch(`${stack.proxy.adminUrl}/admin/api/placements`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await adminCall(stack, 'GET', '/admin/api/placements', undefined, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    const page = await fetch(`${stack.proxy.adminUrl}/admin/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const listed = await adminCall(stack, 'GET', '/admin/api/placements');
    assert.deepEqual(
      listed.body.placements.map((p: { name: string }) => p.name),
      ['home', 'product', 'cart', 'new-in', 'christmas'],
    );
  });

  it('pins an item: written atomically in the file style, served by the public API at once, audited', async () => {
    assert.deepEqual((await shelfIds(stack)).slice(0, 2), ['22423:model', '85123A:model']);
    const { body: listed } = await adminCall(stack, 'GET', '/admin/api/placements');
    const home = listed.placements.find((p) => p.name === 'home')!;
    const rules = { ...home.rules, pin: [{ itemId: pinned, position: 2 }] };
    const saved = await adminCall(stack, 'PUT', '/admin/api/placements/home', { rules, version: home.version });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.live, true);
    const text = readFileSync(file, 'utf8');
    assert.equal(formatRulesFile(JSON.parse(text)), text);
    assert.match(text, /"pin": \[\{ "itemId": "23084", "position": 2 \}\]/);
    assert.deepEqual((await shelfIds(stack)).slice(0, 3), ['22423:model', `${pinned}:pinned`, '85123A:model']);

    const { body: audit } = await adminCall(stack, 'GET', '/admin/api/audit');
    const entry = audit.entries[0]!;
    assert.equal(entry.who, 'key');
    assert.equal(entry.placement, 'home');
    assert.deepEqual(entry.diff, [{ path: 'pin', before: null, after: [{ itemId: pinned, position: 2 }] }]);
    assert.ok(Date.now() - Date.parse(entry.at) < 60_000);

    const preview = await adminCall(stack, 'POST', '/admin/api/preview', { placement: 'home', customer: '17850' });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(
      preview.body.beforeRules.slice(0, 2).map((c: { id: string }) => c.id),
      ['22423', '85123A'],
    );
    assert.deepEqual(
      preview.body.items.slice(0, 2).map((c: { id: string; reason: string }) => `${c.id}:${c.reason}`),
      ['22423:model', `${pinned}:pinned`],
    );

    // One-click revert: the pin is gone from the file and the shelf, and the revert is audited.
    const reverted = await adminCall(stack, 'POST', `/admin/api/audit/${entry.id}/revert`, {});
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    assert.doesNotMatch(readFileSync(file, 'utf8'), /"pin"/);
    assert.deepEqual((await shelfIds(stack)).slice(0, 2), ['22423:model', '85123A:model']);
    const [latest] = (await adminCall(stack, 'GET', '/admin/api/audit')).body.entries;
    assert.equal(latest?.action, 'revert');
    assert.equal(latest?.revertOf, entry.id);
    // The first edit cannot be reverted twice: the placement changed since.
    assert.equal((await adminCall(stack, 'POST', `/admin/api/audit/${entry.id}/revert`, {})).status, 409);
  });

  it('refuses a bad rule with a 400 naming it, and leaves the file and the log alone', async () => {
    const textBefore = readFileSync(file, 'utf8');
    const entriesBefore = (await adminCall(stack, 'GET', '/admin/api/audit')).body.entries.length;
    const bad = await adminCall(stack, 'PUT', '/admin/api/placements/home', {
      rules: {
        limit: 8,
        pin: [
          { itemId: pinned, position: 1 },
          { itemId: '22086', position: 0 },
        ],
      },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^placements: placements\.home\.pin\[1\]\.position: /);
    const badWindow = await adminCall(stack, 'PUT', '/admin/api/placements/home', {
      rules: { hide: [{ category: 'Christmas', until: 'next week' }] },
    });
    assert.match(badWindow.body.error.message, /placements\.home\.hide\[0\]\.until: must be a date-time/);
    assert.equal(readFileSync(file, 'utf8'), textBefore);
    assert.equal((await adminCall(stack, 'GET', '/admin/api/audit')).body.entries.length, entriesBefore);
  });

  it('previews a later day: a pin scheduled for then shows in that preview only', async () => {
    const { body } = await adminCall(stack, 'GET', '/admin/api/placements');
    const cart = body.placements.find((p) => p.name === 'cart')!;
    const pin = [{ itemId: pinned, position: 1, from: '2099-12-24T00:00:00Z', until: '2099-12-27T00:00:00Z' }];
    const saved = await adminCall(stack, 'PUT', '/admin/api/placements/cart', {
      rules: { ...cart.rules, pin },
      version: cart.version,
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const first = async (at?: string) =>
      (await adminCall(stack, 'POST', '/admin/api/preview', { placement: 'cart', ...(at ? { at } : {}) })).body
        .items[0];
    assert.notEqual((await first())?.id, pinned);
    assert.deepEqual(await first('2099-12-25T12:00:00+01:00'), {
      id: pinned,
      title: 'Rabbit Night Light',
      category: 'Candles & Lights',
      reason: 'pinned',
    });
    const bad = await adminCall(stack, 'POST', '/admin/api/preview', { placement: 'cart', at: 'Christmas' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^body\.at: must be a date-time/);
  });

  it('finds products by title or id, and warns of a rule naming a product the catalog lacks', async () => {
    const found = await fetch(`${stack.proxy.adminUrl}/admin/api/products?q=rabbit%20night`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const { products } = (await found.json()) as { products: Array<{ id: string }> };
    assert.ok(products.some((p) => p.id === pinned));
    const { body } = await adminCall(stack, 'GET', '/admin/api/placements');
    const newIn = body.placements.find((p) => p.name === 'new-in')!;
    const saved = await adminCall(stack, 'PUT', '/admin/api/placements/new-in', {
      rules: { ...newIn.rules, hide: [{ itemId: 'NOSUCH1' }] },
      version: newIn.version,
    });
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body.warnings, ['hide[0].itemId: NOSUCH1 is not in the catalog, so it never shows']);
  });

  it('refuses an edit based on rules that changed since (409)', async () => {
    const res = await adminCall(stack, 'PUT', '/admin/api/placements/cart', { rules: { limit: 4 }, version: 'stale' });
    assert.equal(res.status, 409);
    assert.match(res.body.error.message, /placements\.cart changed since you opened it/);
  });

  it('names the signed-in user the sign-on proxy sends', async () => {
    const { body } = await adminCall(stack, 'GET', '/admin/api/placements', undefined, {
      authorization: '',
      'x-signed-in-user': 'ana@shop.example',
    });
    const product = body.placements.find((p) => p.name === 'product')!;
    const rules = { ...product.rules, hide: [{ category: 'Christmas' }] };
    const saved = await adminCall(
      stack,
      'PUT',
      '/admin/api/placements/product',
      { rules, version: product.version },
      { authorization: '', 'x-signed-in-user': 'ana@shop.example' },
    );
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.entry.who, 'ana@shop.example');
  });

  it('refuses a change that does not come from the page itself (cross-site)', async () => {
    const rules = { limit: 5 };
    const foreign: Array<Record<string, string>> = [
      { 'x-reco-admin': '' },
      { 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'text/plain' },
    ];
    for (const headers of foreign) {
      const res = await adminCall(stack, 'PUT', '/admin/api/placements/cart', { rules }, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
    }
    assert.doesNotMatch(readFileSync(file, 'utf8'), /"limit": 5/);
  });

  it('erases a customer behind the same sign-in: a dry run names the stores, no customer is a 400', async () => {
    const anonymous = await fetch(`${stack.proxy.adminUrl}/admin/api/erasures`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
    const dry = await adminCall(stack, 'POST', '/admin/api/erasures', { customer: '12347', dryRun: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(JSON.stringify(dry.body).includes('12347'), false, 'the report names the pseudonym, never the id');
    const bad = await adminCall(stack, 'POST', '/admin/api/erasures', { dryRun: true });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /customer/);
  });
});
