/**
 * Page-level figures of issue #22, measured on the demo stack (four processes, `startE2e`) in real Chromium:
 * (1) the JavaScript a shopper downloads before a server-rendered shelf is visible: every script response is held
 * until the home shelf's cards are visible, so the figure is the script bytes delivered by then (by construction of
 * the hold, 0 B if and only if the shelf paints from the HTML alone; a shelf that needs its script never becomes
 * visible and the section fails), with the client-rendered page's script bytes beside it for contrast; (2) a page
 * with three shelves (the product page): shelf requests from the browser, `InvokeEndpoint` calls at the stand-in
 * (its `/_stats`), products on two shelves; (3) the layout shift while the element adopts the server-rendered shelf
 * (the page's `layout-shift` entries from the script's release to the first impression).
 * Run alone with `node --import tsx workshop/bench/sections/page.ts` (prints its table), or as a section of
 * `npm run bench`.
 */
import type { Page } from 'playwright-core';
import {
  newShopperContext,
  openAndReadShelf,
  readLayoutShifts,
  type ShelfView,
  shelfAfter,
  startE2e,
  trackShelves,
  watchLayoutShifts,
} from '../../test-support/e2e-harness.ts';

/** What the section measured, over `views` page views of each kind (a different customer each). */
export interface PageResults {
  views: number;
  /** Script bytes (encoded bodies) delivered before the server-rendered shelf was visible: the largest view. */
  scriptBytesBeforeServerShelf: number;
  /** Script bytes (encoded bodies) the same page loads once the scripts are let through (the element, chunks). */
  scriptBytesAfterRelease: number;
  /** The largest layout shift while the element adopted the server-rendered shelf. */
  adoptionLayoutShift: number;
  threeShelves: {
    /** Shelf requests the browser made per product-page view (each view). */
    browserRequests: number[];
    invokeEndpoint: number[];
    productsOnTwoShelves: number[];
    sources: string[][];
  };
}

// Real customers of the data set; the product page's are others than the home page's, so no view finds the
// shopper's answer for `home` already cached by the one before.
const customers = ['17850', '12347', '13047', '12348', '12349'] as const;
const productCustomers = ['12583', '15311', '14911', '17841', '12748'] as const;
const products = ['85123A', '22423', '84879', '47566', '20725'] as const;

async function homeView(page: Page, url: string): Promise<{ before: number; after: number; shift: number }> {
  let bytesBefore = 0;
  let bytesAfter = 0;
  let visible = false;
  const counted: Array<Promise<void>> = [];
  page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return;
    const early = !visible;
    counted.push(
      request.sizes().then(({ responseBodySize }) => {
        if (early) bytesBefore += responseBodySize;
        else bytesAfter += responseBodySize;
      }),
    );
  });
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() === 'script') await held;
    await route.continue();
  });
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('#home-shelf [part~="card"]').first().waitFor({ state: 'visible', timeout: 10_000 });
  const serverRendered = await page.evaluate(() => document.querySelector('#home-shelf')!.hasAttribute('data-ssr'));
  if (!serverRendered) throw new Error('bench page: the home shelf was not rendered by the server');
  visible = true;
  const before = await readLayoutShifts(page);
  await page.evaluate(() => {
    const w = window as unknown as { __impressed: boolean };
    w.__impressed = false;
    document.addEventListener('reco-impression', () => {
      w.__impressed = true;
    });
  });
  release();
  await page.waitForFunction(() => customElements.get('reco-shelf') !== undefined, null, { timeout: 10_000 });
  await page.waitForFunction(() => (window as unknown as { __impressed: boolean }).__impressed, null, {
    timeout: 10_000,
  });
  const after = await readLayoutShifts(page);
  await page.waitForLoadState('load');
  await Promise.all(counted);
  return { before: bytesBefore, after: bytesAfter, shift: after.cls - before.cls };
}

/** Runs the section on a fresh demo stack. */
export async function measurePage(views: number = customers.length): Promise<PageResults> {
  const e2e = await startE2e();
  const { stack, browser } = e2e;
  const invocations = async (): Promise<number> =>
    ((await (await fetch(`${stack.urls.sagemaker}/_stats`)).json()) as { invocations: number }).invocations;
  try {
    const results: PageResults = {
      views,
      scriptBytesBeforeServerShelf: 0,
      scriptBytesAfterRelease: 0,
      adoptionLayoutShift: 0,
      threeShelves: { browserRequests: [], invokeEndpoint: [], productsOnTwoShelves: [], sources: [] },
    };
    for (let i = 0; i < views; i++) {
      const customer = customers[i % customers.length]!;
      const context = await newShopperContext(browser);
      const home = await context.newPage();
      await watchLayoutShifts(home);
      const view = await homeView(home, `${stack.urls.storefront}/login?customer=${customer}`);
      results.scriptBytesBeforeServerShelf = Math.max(results.scriptBytesBeforeServerShelf, view.before);
      results.scriptBytesAfterRelease = Math.max(results.scriptBytesAfterRelease, view.after);
      results.adoptionLayoutShift = Math.max(results.adoptionLayoutShift, view.shift);
      await home.close();

      await context.clearCookies();
      await context.addCookies([
        { name: 'customer', value: productCustomers[i % productCustomers.length]!, url: stack.urls.storefront },
      ]);
      const page = await context.newPage();
      await trackShelves(page);
      let requests = 0;
      page.on('request', (r) => {
        if (/^\/v1\/(recommendations|shelves)$/.test(new URL(r.url()).pathname)) requests += 1;
      });
      const invokedBefore = await invocations();
      const shelves: ShelfView[] = [
        await openAndReadShelf(
          page,
          `${stack.urls.storefront}/product/${products[i % products.length]}`,
          '#product-shelf',
        ),
      ];
      for (const id of ['#new-in-shelf', '#recommended-shelf'])
        shelves.push(await shelfAfter(page, id, async () => {}));
      const ids = shelves.flatMap((s) => s.ids);
      results.threeShelves.browserRequests.push(requests);
      results.threeShelves.invokeEndpoint.push((await invocations()) - invokedBefore);
      results.threeShelves.productsOnTwoShelves.push(ids.length - new Set(ids).size);
      results.threeShelves.sources.push(shelves.map((s) => s.source));
      await context.close();
    }
    return results;
  } finally {
    await e2e.close();
  }
}

/** The section's table, with the goals. */
export function pageMarkdown(r: PageResults): string {
  const t = r.threeShelves;
  const most = (values: number[]): number => Math.max(...values);
  return [
    '## Page-level figures (demo storefront in Chromium, issue #22)',
    '',
    `${r.views} views of each page, a different customer each; the largest figure over the views.`,
    '',
    '| figure | measured | goal |',
    '| --- | --- | --- |',
    `| JavaScript a shopper downloads before a server-rendered shelf is visible (every script held until its cards ` +
      `show) | ${r.scriptBytesBeforeServerShelf} B (the page's scripts, after: ${r.scriptBytesAfterRelease} B) | 0 B |`,
    `| a page with three shelves (the product page): requests from the browser, \`InvokeEndpoint\` calls, products ` +
      `on two shelves | ${most(t.browserRequests)}, ${most(t.invokeEndpoint)}, ${most(t.productsOnTwoShelves)} ` +
      `(sources: ${t.sources.map((s) => s.join('/')).join('; ')}) | 1, 1, 0 |`,
    `| layout shift when the element adopts a server-rendered shelf | ${r.adoptionLayoutShift.toFixed(3)} | 0.000 |`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(pageMarkdown(await measurePage()));
