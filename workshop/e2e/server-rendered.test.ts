/**
 * Issue #22 end to end: the demo storefront's home shelf rendered by its server (`POST /v1/shelves`,
 * `render: "html"`), seen with JavaScript off and on; the product page's three shelves in one request from the
 * browser and one `InvokeEndpoint`, no product on two shelves; and a hung cloud, every shelf within its budget.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Request } from 'playwright-core';
import type { RunningStack } from '../../demo/processes.ts';
import { storedEventsIn } from '../test-support/event-store.ts';
import {
  assertAnsweredWithinBudget,
  freePort,
  newShopperContext,
  openAndReadShelf,
  readLayoutShifts,
  shelfAfter,
  type ShelfView,
  startE2e,
  trackShelves,
  watchLayoutShifts,
} from '../test-support/e2e-harness.ts';
import { setWeather } from '../test-support/weather.ts';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const productShelves = ['#product-shelf', '#new-in-shelf', '#recommended-shelf'] as const;

/** The shelf requests the page itself makes to the proxy (single or batch). */
function shelfRequestsOf(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (r) => {
    if (/^\/v1\/(recommendations|shelves)$/.test(new URL(r.url()).pathname)) requests.push(r);
  });
  return requests;
}

/** A shelf on the page already open, once it has answered. */
const readLoaded = (page: Page, selector: string): Promise<ShelfView> => shelfAfter(page, selector, async () => {});

/** The ids on more than one shelf. */
function repeated(shelves: readonly ShelfView[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of shelves.flatMap((s) => s.ids)) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}

describe('server-rendered shelves and one request per page (issue #22)', () => {
  let stack: RunningStack;
  let browser: Browser;
  let eventsDir: string;
  let e2e: Awaited<ReturnType<typeof startE2e>> | undefined;
  const invocations = async (): Promise<number> =>
    ((await (await fetch(`${stack.urls.sagemaker}/_stats`)).json()) as { invocations: number }).invocations;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    eventsDir = `${artifacts}events-ssr-${await freePort()}`;
    e2e = await startE2e({ RECO_EVENTS_DIR: eventsDir, RECO_BREAKER_FAILURES: '50' });
    ({ stack, browser } = e2e);
  });
  after(() => e2e?.close());

  it('shows the home shelf with JavaScript off: its cards are visible and are links that work', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    const home = await page.goto(`${stack.urls.storefront}/login?customer=17850`);
    assert.equal(home?.headers()['x-shelves'], 'server-rendered', 'the storefront placed the proxy fragment');
    const cards = page.locator('#home-shelf [part~="card"]');
    assert.equal(await cards.count(), 8, 'the fragment holds the limit of cards');
    for (const card of await cards.all()) {
      assert.ok(await card.isVisible(), 'a card is visible without JavaScript');
      const box = await card.boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, `card box ${JSON.stringify(box)}`);
    }
    const link = cards.first().locator('a').first();
    const title = (await cards.first().locator('[part~="title"]').textContent())?.trim();
    assert.ok(title, 'the card shows its title');
    await Promise.all([page.waitForURL(/\/product\/[A-Za-z0-9_-]+$/), link.click()]);
    assert.equal(await page.locator('.product-detail h2').textContent(), title, 'the link leads to its product');
    await context.close();
  });

  it('with JavaScript on: no request for that shelf, adopted without a shift, events carry its requestId', async () => {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    await watchLayoutShifts(page);
    const requests = shelfRequestsOf(page);
    // Hold the element's script until the shelf has painted: what the shopper sees before any JavaScript.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(
      (url) => url.pathname === '/reco-shelf.js',
      async (route) => {
        await held;
        await route.continue();
      },
    );
    await page.goto(`${stack.urls.storefront}/login?customer=15311`, { waitUntil: 'commit' });
    await page.locator('#home-shelf [part~="card"]').first().waitFor({ state: 'visible' });
    const fragment = await page.evaluate(() => {
      const shelf = document.querySelector('#home-shelf')!;
      const w = window as unknown as { __card: Element; __impressed: boolean };
      w.__card = shelf.shadowRoot!.querySelector('[part~="card"]')!;
      w.__impressed = false;
      document.addEventListener('reco-impression', () => {
        w.__impressed = true;
      });
      return {
        defined: customElements.get('reco-shelf') !== undefined,
        requestId: shelf.getAttribute('data-request-id') ?? '',
        source: shelf.getAttribute('data-source') ?? '',
      };
    });
    assert.equal(fragment.defined, false, 'the shelf painted before its script ran');
    assert.match(fragment.requestId, /\S/, 'the fragment carries its requestId');
    const before = await readLayoutShifts(page);

    release();
    await page.waitForFunction(() => customElements.get('reco-shelf') !== undefined, null, { timeout: 10_000 });
    // An impression needs a card half visible for a second: the adopted cards are wired.
    await page.waitForFunction(() => (window as unknown as { __impressed: boolean }).__impressed, null, {
      timeout: 10_000,
    });
    const adopted = await page.evaluate(() => {
      const card = (window as unknown as { __card: Element }).__card;
      return card.isConnected && document.querySelector('#home-shelf')!.shadowRoot!.contains(card);
    });
    assert.equal(adopted, true, 'the element kept the server-rendered cards (no re-render)');
    const shifts = await readLayoutShifts(page);
    console.log(`# layout shift while adopting: ${(shifts.cls - before.cls).toFixed(4)} (page total ${shifts.cls})`);
    assert.deepEqual(shifts.byShelf, [], `the shelf shifted the page (CLS ${shifts.cls})`);
    assert.equal(shifts.cls - before.cls, 0, `layout shift while adopting: ${shifts.other.join(' | ')}`);
    assert.deepEqual(
      requests.map((r) => r.url()),
      [],
      'the browser asked nothing for the server-rendered shelf',
    );

    const card = page.locator('#home-shelf').locator('[part~="card"] a').first();
    const clicked = new URL((await card.getAttribute('href'))!, stack.urls.storefront).pathname;
    await Promise.all([page.waitForURL(/\/product\//), card.click()]);
    const deadline = Date.now() + 5000;
    let mine = (await storedEventsIn(eventsDir)).filter((e) => e.requestId === fragment.requestId);
    while (!mine.some((e) => e.type === 'click') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      mine = (await storedEventsIn(eventsDir)).filter((e) => e.requestId === fragment.requestId);
    }
    assert.ok(
      mine.some((e) => e.type === 'impression' && e.source === fragment.source),
      `impressions with the fragment's requestId: ${JSON.stringify(mine)}`,
    );
    const click = mine.find((e) => e.type === 'click');
    assert.equal(click?.source, fragment.source);
    assert.equal(`/product/${click?.itemId}`, clicked);
    await context.close();
  });

  it("fills the product page's three shelves: one browser request, one InvokeEndpoint, no repeat", async () => {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    await trackShelves(page);
    // Signed in without passing the home page: its shelf would warm this shopper's cache for `home`.
    await context.addCookies([{ name: 'customer', value: '13047', url: stack.urls.storefront }]);
    const requests = shelfRequestsOf(page);
    const invokedBefore = await invocations();
    const shelves: ShelfView[] = [];
    shelves.push(await openAndReadShelf(page, `${stack.urls.storefront}/product/22423`, productShelves[0]));
    for (const id of productShelves.slice(1)) shelves.push(await readLoaded(page, id));
    const invoked = (await invocations()) - invokedBefore;
    assert.deepEqual(
      requests.map((r) => `${r.method()} ${new URL(r.url()).pathname}`),
      ['POST /v1/shelves'],
      'one request for the three shelves',
    );
    assert.equal(invoked, 1, 'one InvokeEndpoint for the three shelves');
    assert.deepEqual(
      shelves.map((s) => s.source),
      ['model', 'model', 'model'],
      JSON.stringify(shelves.map((s) => [s.source, s.fallbackReason])),
    );
    assert.ok(
      shelves.every((s) => s.count > 0),
      `counts ${shelves.map((s) => s.count)}`,
    );
    assert.deepEqual(repeated(shelves), [], `no product on two shelves: ${shelves.map((s) => s.ids.join(','))}`);
    await context.close();
  });

  it('leaves the product the page shows off all three of its shelves', async () => {
    // Anonymous: "Recommended for you" is then the best sellers, first among them 85123A.
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    await trackShelves(page);
    const shelves = [await openAndReadShelf(page, `${stack.urls.storefront}/product/85123A`, productShelves[0])];
    for (const id of productShelves.slice(1)) shelves.push(await readLoaded(page, id));
    const offered = shelves.flatMap((s) => s.ids);
    assert.ok(offered.length > 0);
    assert.ok(!offered.includes('85123A'), `85123A on its own page's shelves: ${offered.join(' ')}`);
    await context.close();
  });

  it('answers every shelf within its budget while the cloud hangs, server-rendered and batched alike', async () => {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    await trackShelves(page);
    await setWeather(stack.urls.sagemaker, 'hang');
    try {
      const pageAnswered = page.waitForResponse((res) => res.url() === `${stack.urls.storefront}/`);
      const home = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=12583`, '#home-shelf');
      assert.equal(home.serverRendered, true, 'the storefront waited for the fallback, not the reserved space');
      assert.deepEqual([home.source, home.fallbackReason], ['fallback', 'timeout']);
      assert.ok(home.count > 0);
      await assertAnsweredWithinBudget(await pageAnswered, 'the server-rendered home shelf, cloud hung');

      const batchAnswered = page.waitForResponse((res) => res.url().includes('/v1/shelves'));
      const shelves = [await openAndReadShelf(page, `${stack.urls.storefront}/product/85123A`, productShelves[0])];
      for (const id of productShelves.slice(1)) shelves.push(await readLoaded(page, id));
      await assertAnsweredWithinBudget(await batchAnswered, "the product page's three shelves, cloud hung");
      for (const [i, shelf] of shelves.entries()) {
        assert.ok(['fallback', 'cache'].includes(shelf.source), `${productShelves[i]}: ${shelf.source}`);
        assert.equal(shelf.fallbackReason, 'timeout', productShelves[i]);
        assert.ok(shelf.count > 0, `${productShelves[i]} is filled`);
      }
      assert.deepEqual(repeated(shelves), [], 'no product on two shelves, from the rules too');
    } finally {
      await setWeather(stack.urls.sagemaker, 'normal');
      await context.close();
    }
  });
});
