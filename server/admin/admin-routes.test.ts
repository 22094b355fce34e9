/** Another part's router mounted on the admin API (the erasure router): behind the same sign-in and guard. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import express, { Router } from 'express';
import { adminPageRoutes } from './admin-routes.ts';

const key = 'admin-key-for-tests-0123456789abcdef';

async function serve(options: { key?: string }) {
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'reco-admin-routes-')), 'placements.json');
  writeFileSync(rulesFile, '{}');
  const extra = Router().post('/erasures', express.json(), (req, res) => {
    res.json({ who: res.locals.adminUser, customer: req.body.customer });
  });
  const app = express().use(
    adminPageRoutes({
      ...options,
      rulesFile,
      placements: {} as never,
      shelfService: {} as never,
      catalog: {} as never,
      apiRouters: [extra],
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (headers: Record<string, string>) =>
    fetch(`${base}/admin/api/erasures`, { method: 'POST', headers, body: JSON.stringify({ customer: '12347' }) });
  return { post, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('routers mounted on the admin API', () => {
  it('answer only a signed-in caller from the page, and not at all while the admin page is off', async () => {
    const on = await serve({ key });
    try {
      const page = { 'x-reco-admin': '1', 'content-type': 'application/json' };
      assert.equal((await on.post(page)).status, 401);
      assert.equal((await on.post({ ...page, authorization: `Bearer ${key}`, 'x-reco-admin': '' })).status, 403);
      const ok = await on.post({ ...page, authorization: `Bearer ${key}` });
      assert.deepEqual(await ok.json(), { who: 'key', customer: '12347' });
    } finally {
      await on.close();
    }
    const off = await serve({});
    try {
      const res = await off.post({ 'x-reco-admin': '1', 'content-type': 'application/json' });
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /RECO_ADMIN_KEY/);
    } finally {
      await off.close();
    }
  });
});
