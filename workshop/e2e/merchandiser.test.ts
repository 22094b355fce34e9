/**
 * Issue #24 item 2 as a merchandiser uses it, in Chromium: sign in to the admin page with the key, preview the
 * home shelf as a customer, pin a product, see the preview and the public API change, see the change in the
 * log, revert it with one click. A product whose title holds markup stays text on the page.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test-support/e2e-harness.ts';
import { startStack, type TestStack } from '../test-support/stack.ts';
import { until } from '../test-support/until.ts';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const key = 'merchandiser-test-key-0123456789abcdef';
const model = ['22423', '85123A', '47566', '84879', '20725', '22720', '85099B', '21212', '23203', '22086'];
const pinned = '23084';
const hostileTitle = '<img src=x onerror="window.pwned=1">Regency <b>Cakestand</b>';

/** The catalog with the model's first product renamed to markup: product data is untrusted. */
function hostileCatalog(dir: string): string {
  const catalog = JSON.parse(readFileSync(new URL('../../data/catalog.json', import.meta.url), 'utf8')) as {
    products: Array<{ id: string; title: string }>;
  };
  catalog.products.find((p) => p.id === model[0])!.title = hostileTitle;
  const path = join(dir, 'catalog.json');
  writeFileSync(path, JSON.stringify(catalog));
  return path;
}

/** The ids and reasons of a card list on the page (`#before-rules` or `#final-shelf`). */
const cards = (page: Page, list: string) =>
  page
    .locator(`${list} li`)
    .evaluateAll((items) =>
      items.map((li) => `${li.getAttribute('data-id')}:${li.querySelector('.reason')?.textContent}`),
    );

describe('a merchandiser on the admin page (issue #24)', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  const publicShelf = async () => {
    const res = await stack.send(
      'POST',
      '/v1/recommendations',
      JSON.stringify({ placement: 'home', userId: '17850' }),
      {
        'content-type': 'application/json',
      },
    );
    return (res.body.items as Array<{ id: string; reason?: string }>).map((i) => `${i.id}:${i.reason}`);
  };

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'reco-merchandiser-'));
    [stack, browser] = await Promise.all([
      startStack({
        model: () => ({
          recommendations: model.map((itemId, i) => ({ itemId, score: 1 - i / 100 })),
          modelVersion: 'm1',
        }),
        config: { adminKey: key, catalogFile: hostileCatalog(dir) },
      }),
      launchChromium(),
    ]);
    page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in, previews, pins, sees the shelf change, reverts', async () => {
    await page.goto(`${stack.proxy.adminUrl}/admin/`);
    await page.getByLabel('Admin key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'home', exact: true }).click();
    await page.getByRole('heading', { name: 'Placement “home”' }).waitFor();

    // Preview as customer 17850: the model's order on both sides, every card from the model.
    await page.getByLabel('Customer id').fill('17850');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#final-shelf li').first().waitFor();
    assert.deepEqual((await cards(page, '#final-shelf')).slice(0, 2), ['22423:model', '85123A:model']);
    // The hostile title is shown as the text it is: no element made from it, no script run.
    assert.equal(await page.locator('#final-shelf li .title').first().textContent(), hostileTitle);
    assert.equal(await page.locator('#preview img, #preview b').count(), 0);
    assert.equal(await page.evaluate(() => (window as { pwned?: number }).pwned), undefined);

    // A rule the proxy refuses is named in the page's message, and nothing is saved.
    await page.getByText('Every rule of this placement, as JSON').click();
    await page.getByLabel('The placement rules as JSON').fill('{ "pin": [{ "itemId": "23084", "position": 0 }] }');
    await page.getByRole('button', { name: 'Save JSON' }).click();
    await page.getByText(/placements\.home\.pin\[0\]\.position/).waitFor();

    // Pin a product to the first card: the preview shows the model's order beside the pinned shelf.
    await page.getByLabel('Product id', { exact: true }).fill(pinned);
    await page.getByLabel('Position').fill('1');
    await page.getByRole('button', { name: 'Pin a product' }).click();
    await page.getByText('Pin a product: saved, live now.').waitFor();
    await until(
      () => cards(page, '#final-shelf'),
      (shown) => shown[0] === `${pinned}:pinned`,
      'the preview to show the pin',
    );
    assert.deepEqual((await cards(page, '#final-shelf')).slice(0, 3), [
      `${pinned}:pinned`,
      '22423:model',
      '85123A:model',
    ]);
    assert.deepEqual((await cards(page, '#before-rules')).slice(0, 2), ['22423:model', '85123A:model']);
    await page.screenshot({ path: join(artifacts, 'admin-page-pinned.png'), fullPage: true });

    // The public API serves the pin (this instance has loaded the file before the page said "live now").
    assert.deepEqual((await publicShelf()).slice(0, 2), [`${pinned}:pinned`, '22423:model']);

    // The log names who changed what; one click reverts it.
    const row = page.locator('#audit tr[data-entry]').first();
    assert.match((await row.textContent()) ?? '', /key.*home.*edit.*pin: null → \[\{"itemId":"23084","position":1\}\]/);
    await row.getByRole('button', { name: 'Revert' }).click();
    await page.getByText(/Reverted the edit of “home” by key/).waitFor();
    await until(
      () => cards(page, '#final-shelf'),
      (shown) => shown[0] === '22423:model',
      'the preview to lose the pin',
    );
    assert.deepEqual((await publicShelf()).slice(0, 2), ['22423:model', '85123A:model']);
    assert.match((await page.locator('#audit tr[data-entry]').first().textContent()) ?? '', /revert/);
  });
});
