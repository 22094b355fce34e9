import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningStack } from '../../demo/processes.ts';
import { readFileSync } from 'node:fs';
import type { CatalogFile } from '../../data/catalog.ts';
import { developmentShopperTokenSecret } from '../../environment/development-keys.ts';
import { signShopperToken } from '../test-support/shopper-tokens.ts';
import { setWeather } from '../test-support/weather.ts';
import {
  assertAnsweredWithinBudget,
  newShopperContext,
  openAndReadShelf,
  startE2e,
  trackShelves,
} from '../test-support/e2e-harness.ts';
import { fetchShelf } from '../test-support/shelf-request.ts';

const catalog = JSON.parse(readFileSync(new URL('../../data/catalog.json', import.meta.url), 'utf8')) as CatalogFile;
const byId = new Map(catalog.products.map((p) => [p.id, p]));

describe('storefront → shelf → proxy → SageMaker runtime → model', () => {
  let stack: RunningStack;
  let browser: Browser;
  let e2e: Awaited<ReturnType<typeof startE2e>> | undefined;
  before(async () => {
    e2e = await startE2e();
    ({ stack, browser } = e2e);
  });
  after(() => e2e?.close());

  it('shows a real customer model products, then fallback ones within budget when the cloud turns slow', async () => {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    await trackShelves(page);
    const shelfRequests: Array<{ method: string; url: string; body: string | null }> = [];
    page.on('request', (r) => {
      if (/\/v1\/(recommendations|shelves)/.test(r.url()))
        shelfRequests.push({ method: r.method(), url: r.url(), body: r.postData() });
    });
    // Signing in redirects to the home page: its first view, its shelf rendered by the storefront's server.
    const personal = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=17850`, '#home-shelf');
    assert.equal(personal.source, 'model', JSON.stringify(personal));
    assert.equal(personal.serverRendered, true);
    assert.equal(personal.count, 8);
    assert.equal(personal.titles.length, 8);
    assert.ok(personal.titles.every((t) => t.length > 0));
    // The product page's shelves come from the browser. The signed-in shopper's token goes in a POST body: no URL
    // a balancer or proxy logs holds it.
    await openAndReadShelf(page, `${stack.urls.storefront}/product/85123A`, '#product-shelf');
    assert.ok(shelfRequests.length > 0);
    for (const { method, url, body } of shelfRequests) {
      assert.equal(method, 'POST', url);
      assert.equal(new URL(url).search, '', url);
      assert.match(body ?? '', /"shopperToken":"eyJ/);
    }

    await setWeather(stack.urls.sagemaker, 'slow', 2000);
    // The home page's shelf is asked for by the storefront's server: the page carries the proxy's Server-Timing.
    const answered = page.waitForResponse((res) => res.url() === `${stack.urls.storefront}/`);
    const fallback = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=12347`, '#home-shelf');
    assert.equal(fallback.source, 'fallback');
    assert.equal(fallback.fallbackReason, 'timeout');
    assert.equal(fallback.count, 8);
    await assertAnsweredWithinBudget(await answered, 'the fallback shelf');
    await setWeather(stack.urls.sagemaker, 'normal');
    await context.close();
  });

  it('gives a known customer new arrivals that suit them on new-in, not the home shelf again', async () => {
    const token = await signShopperToken('17850', developmentShopperTokenSecret);
    const shelf = async (placement: string) => {
      const res = await fetchShelf(stack.urls.proxy, { placement, shopperToken: token });
      return (await res.json()) as { source: string; items: Array<{ id: string }> };
    };
    const [home, newIn] = [await shelf('home'), await shelf('new-in')];
    // The home shelf may come from this customer's fresh cache (an earlier view): a model answer too.
    assert.ok(['model', 'cache'].includes(home.source), home.source);
    assert.equal(newIn.source, 'model');
    assert.notDeepEqual(
      newIn.items.map((i) => i.id),
      home.items.map((i) => i.id),
    );
    const since = new Date(Date.parse(catalog.asOf) - 90 * 86_400_000).toISOString().slice(0, 10);
    for (const item of newIn.items) assert.ok(byId.get(item.id)!.firstSold >= since, `${item.id} is not new`);
  });
});
