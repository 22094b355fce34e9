import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CatalogFile } from '../../data/catalog.ts';
import type { RunningStack } from '../../demo/processes.ts';
import { storedEventsIn } from '../test-support/event-store.ts';
import {
  assertAnsweredWithinBudget,
  freePort,
  newShopperContext,
  openAndReadShelf,
  shelfAfter,
  startE2e,
  trackShelves,
} from '../test-support/e2e-harness.ts';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const catalog = JSON.parse(readFileSync(new URL('../../data/catalog.json', import.meta.url), 'utf8')) as CatalogFile;
const byId = new Map(catalog.products.map((p) => [p.id, p]));

/** Counts layout shifts and console errors from the first byte of every page. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await trackShelves(page);
  // Layout shifts, split by whether a shelf can have caused them: a shelf (or its content)
  // moving, or anything after a shelf in document order. Content before every shelf (the
  // masthead, the sidebar) only moves when the page itself is painted mid-parse on a busy
  // machine; those are recorded apart and do not fail the test.
  await page.addInitScript(() => {
    const w = window as unknown as { __cls: number; __byShelf: string[]; __other: string[] };
    w.__cls = 0;
    w.__byShelf = [];
    w.__other = [];
    new PerformanceObserver((list) => {
      type Source = { node?: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly };
      for (const entry of list.getEntries() as Array<
        PerformanceEntry & { value: number; hadRecentInput: boolean; sources?: Source[] }
      >) {
        if (entry.hadRecentInput) continue;
        w.__cls += entry.value;
        // No named helpers in here: tsx would wrap them in a __name() call the page does not have.
        for (const source of entry.sources ?? []) {
          const node = source.node ?? null;
          const shelves = Array.from(document.querySelectorAll('reco-shelf'));
          const mayBeShelf =
            node !== null &&
            shelves.some(
              (shelf) =>
                shelf === node ||
                shelf.contains(node) ||
                (shelf.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
            );
          const label = (node as Element | null)?.outerHTML?.slice(0, 60) ?? String(node?.nodeName ?? 'unknown node');
          const [before, after] = [source.previousRect, source.currentRect].map(
            (r) => `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}x${Math.round(r.height)}`,
          );
          (mayBeShelf ? w.__byShelf : w.__other).push(
            `${label} ${before} → ${after} at ${Math.round(entry.startTime)} ms`,
          );
        }
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  return { page, errors };
}

async function readEvents(
  dir: string,
): Promise<Array<{ type: string; requestId?: string; source?: string; itemId: string }>> {
  return storedEventsIn(dir);
}

describe('the demo storefront, end to end', () => {
  let stack: RunningStack;
  let browser: Browser;
  let eventsDir: string;
  let e2e: Awaited<ReturnType<typeof startE2e>> | undefined;
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    eventsDir = `${artifacts}events-${await freePort()}`;
    // More failures before the breaker opens, so each weather shows its own reason.
    e2e = await startE2e({ RECO_EVENTS_DIR: eventsDir, RECO_BREAKER_FAILURES: '50' });
    ({ stack, browser } = e2e);
  });
  after(async () => {
    // What the machine cost the proxy in this run: how late its budget timers fired, and how late
    // its event loop ran, as the proxy measured them (reported, not judged).
    if (e2e) {
      const metrics = await (await fetch(`${stack.urls.proxyAdmin}/metrics`)).text();
      const lines = metrics
        .split('\n')
        .filter((l) => /^reco_(budget_timer_lateness_seconds_(sum|count)|event_loop_delay)/.test(l));
      console.log(`# proxy timing under e2e load: ${lines.join('; ')}`);
    }
    await e2e?.close();
  });

  it('shows two customers different shelves', async () => {
    const context = await newShopperContext(browser);
    const { page } = await watchedPage(context);
    const first = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=17850`, '#home-shelf');
    const second = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=12347`, '#home-shelf');
    assert.deepEqual(
      [first.source, second.source],
      ['model', 'model'],
      `sources and reasons: ${JSON.stringify([first, second].map((s) => [s.source, s.fallbackReason]))}`,
    );
    assert.notDeepEqual(first.ids, second.ids);
    await context.close();
  });

  it('shows an anonymous shopper with a basket items related to it', async () => {
    const context = await newShopperContext(browser);
    const { page } = await watchedPage(context);
    await page.goto(`${stack.urls.storefront}/product/22423`);
    const shelf = await shelfAfter(page, '#cart-shelf', () =>
      Promise.all([page.waitForURL(/\/cart$/), page.click('#add-to-basket')]),
    );
    const cartItem = byId.get('22423')!;
    const related = shelf.ids.filter(
      (id) => cartItem.boughtWith.includes(id) || byId.get(id)?.category === cartItem.category,
    );
    assert.equal(shelf.source, 'model');
    assert.ok(!shelf.ids.includes('22423'), 'the basket item itself is not recommended');
    assert.ok(
      related.length >= shelf.ids.length / 2,
      `only ${related.length} of ${shelf.ids.join(',')} relate to the basket`,
    );
    await context.close();
  });

  // In slow weather (1 s, inside the 2 s hard cap) the home shelf's late answer may land before
  // the product page asks, and then serves it from the shopper's warmed cache.
  const weathers = [
    ['normal', ['model'], null],
    ['slow', ['fallback', 'cache'], 'timeout'],
    ['hang', ['fallback'], 'timeout'],
    ['error', ['fallback'], 'error'],
    ['throttle', ['fallback'], 'throttled'],
  ] as const;
  for (const [mode, sources, reason] of weathers) {
    it(`fills every shelf within the budget in "${mode}" weather, and the overlay says why`, async () => {
      const context = await newShopperContext(browser);
      const { page, errors } = await watchedPage(context);
      // The monitor page has no shelf: setting the weather there leaves this shopper no earlier answers.
      await page.goto(`${stack.urls.storefront}/monitor?debug=1`);
      await page.click(`#weather button[value="${mode}"]`);
      await page.waitForSelector(`#weather-now:text("${mode}")`);
      // The home shelf is rendered by the storefront's server (the page's response carries the proxy's
      // Server-Timing); the product page's three shelves by the browser, in one `POST /v1/shelves`.
      for (const [path, shelfId] of [
        ['/', '#home-shelf'],
        ['/product/85123A', '#product-shelf'],
      ] as const) {
        const answered = page.waitForResponse((res) =>
          path === '/' ? res.url() === `${stack.urls.storefront}/` : res.url().includes('/v1/shelves'),
        );
        const shelf = await openAndReadShelf(page, `${stack.urls.storefront}${path}`, shelfId);
        const response = await answered;
        assert.equal(shelf.serverRendered, path === '/', `${shelfId} in ${mode}: rendered by the storefront's server`);
        const source = shelfId === '#home-shelf' ? sources[0] : shelf.source;
        assert.ok((sources as readonly string[]).includes(shelf.source), `${shelfId} in ${mode}: ${shelf.source}`);
        assert.equal(shelf.source, source, `${shelfId} in ${mode}: the first view falls back to the rules`);
        assert.equal(shelf.fallbackReason, reason);
        assert.ok(shelf.count > 0);
        await assertAnsweredWithinBudget(response, `${shelfId} in ${mode}`);
        const overlay = page.locator(`${shelfId}-debug`);
        await overlay.waitFor();
        assert.equal(await overlay.getAttribute('data-source'), source);
        assert.equal(await overlay.getAttribute('data-reason'), reason ?? '');
        // The strip times the shelf's request: the page's one POST /v1/shelves, or the proxy's call from the
        // storefront's server, whose Server-Timing the page forwards.
        const strip = (await overlay.textContent()) ?? '';
        assert.match(strip, /latency: \d+ ms/, `${shelfId} in ${mode}: ${strip}`);
        if (mode === 'normal') assert.doesNotMatch(strip, /variant: -/, `${shelfId} in ${mode}: ${strip}`);
        const shift = await page.evaluate(() => {
          const w = window as unknown as { __cls: number; __byShelf: string[]; __other: string[] };
          return { cls: w.__cls, byShelf: w.__byShelf, other: w.__other };
        });
        // An entry with no source at all (seen under load, CLS 0.0003-0.0014, never in isolation)
        // cannot be placed; it is tolerated below 0.005, far under Web Vitals' "good" 0.1.
        assert.deepEqual(
          shift.byShelf,
          [],
          `the shelf shifted the page on ${path} (CLS ${shift.cls}; elsewhere: ${shift.other.join(' | ')})`,
        );
        assert.ok(
          shift.cls < 0.005 || shift.other.length > 0,
          `unattributed layout shift on ${path}: CLS ${shift.cls}`,
        );
        if (path === '/' && (mode === 'normal' || mode === 'hang')) {
          // Let the card images decode, so the picture shows what a shopper sees.
          await page.waitForFunction(
            (sel) =>
              Array.from(document.querySelector(sel)!.shadowRoot!.querySelectorAll('img')).every((img) => img.complete),
            shelfId,
          );
          await page.screenshot({ path: `${artifacts}home-${mode}.png` });
        }
      }
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  it('brings personalization back when the weather turns normal', async () => {
    const context = await newShopperContext(browser);
    const { page } = await watchedPage(context);
    await page.goto(`${stack.urls.storefront}/monitor`);
    await page.click('#weather button[value="hang"]');
    const during = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=13047`, '#home-shelf');
    assert.equal(during.fallbackReason, 'timeout');
    await page.goto(`${stack.urls.storefront}/monitor`);
    await page.click('#weather button[value="normal"]');
    await page.waitForSelector('#weather-now:text("normal")');
    const back = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=12583`, '#home-shelf');
    assert.equal(back.source, 'model');
    await context.close();
  });

  it('sends impressions and clicks to the event store with the requestId and source', async () => {
    const context = await newShopperContext(browser);
    const { page } = await watchedPage(context);
    const shelf = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=15311`, '#home-shelf');
    // An impression needs a card half visible for a second: wait for the element to report one.
    await page.evaluate(
      () => new Promise((resolve) => document.addEventListener('reco-impression', resolve, { once: true })),
    );
    const card = page.locator('#home-shelf').locator('[part~="card"] a').first();
    const clicked = new URL((await card.getAttribute('href'))!, stack.urls.storefront).pathname;
    const shown = {
      title: await card.locator('[part~="title"]').textContent(),
      price: await page.locator('#home-shelf').locator('[part~="price"]').first().textContent(),
    };
    await Promise.all([page.waitForURL(/\/product\//), card.click()]);
    // One catalog: the product page shows what the card showed.
    assert.equal(await page.locator('.product-detail h2').textContent(), shown.title?.trim());
    assert.equal(await page.locator('.product-detail .price').textContent(), shown.price?.trim());
    const deadline = Date.now() + 5000;
    let events = await readEvents(eventsDir);
    while (!events.some((e) => e.type === 'click' && e.requestId === shelf.requestId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      events = await readEvents(eventsDir);
    }
    const mine = events.filter((e) => e.requestId === shelf.requestId);
    assert.ok(
      mine.some((e) => e.type === 'impression' && e.source === shelf.source),
      JSON.stringify(mine),
    );
    const click = mine.find((e) => e.type === 'click');
    assert.equal(click?.source, shelf.source);
    assert.equal(`/product/${click?.itemId}`, clicked);

    await page.goto(`${stack.urls.storefront}/monitor`);
    const ctr = await page.locator('#ctr tr').allTextContents();
    assert.ok(
      ctr.some((row) => row.startsWith(shelf.source)),
      `the monitor shows click-through for ${shelf.source}: ${ctr.join(' / ')}`,
    );
    assert.match((await page.locator('#fallback-rate').textContent()) ?? '', /\d+\.\d %/);
    await context.close();
  });

  it("stores a signed-in customer's order as purchases from the storefront's server, kept off the shelf", async () => {
    const context = await newShopperContext(browser);
    const { page, errors } = await watchedPage(context);
    await page.goto(`${stack.urls.storefront}/login?customer=14646`);
    // The page names the shopper only by a token its server signed.
    const shelf = page.locator('#home-shelf');
    assert.equal(await shelf.getAttribute('user-id'), null);
    assert.match((await shelf.getAttribute('shopper-token')) ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
    for (const id of ['22423', '85123A']) {
      await page.goto(`${stack.urls.storefront}/product/${id}`);
      await Promise.all([page.waitForURL(/\/cart$/), page.click('#add-to-basket')]);
    }
    await Promise.all([page.waitForURL(/\/cart\?ordered=2$/), page.click('#place-order')]);
    assert.match((await page.locator('#order-placed').textContent()) ?? '', /order of 2 product/);
    const purchases = (await readEvents(eventsDir)).filter(
      (e) => e.type === 'purchase' && (e as { userId?: string }).userId === '14646',
    );
    assert.deepEqual(purchases.map((e) => e.itemId).sort(), ['22423', '85123A']);
    const after = await openAndReadShelf(page, `${stack.urls.storefront}/`, '#home-shelf');
    assert.ok(!after.ids.includes('22423') && !after.ids.includes('85123A'), `just bought: ${after.ids.join(',')}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
