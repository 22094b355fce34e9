/**
 * The end-to-end harness: the real stack as four processes on free ports,
 * and Debian's Chromium driven by playwright-core.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { defaults as proxyDefaults } from '../../server/config.ts';
import { type RunningStack, type StackPorts, startProcesses } from '../../demo/processes.ts';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { freePort, freeStackPorts } from './free-port.ts';
import { placementsWithBudget } from './placements.ts';
import { nonEmptyText } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';

export { freePort };

/**
 * The budget every placement gets in these tests. Four servers, a test runner and Chromium
 * (software rendering) share two cores here: a model call that takes 5-30 ms alone now and
 * then waits 100-400 ms for a core, and the proxy then rightly falls back — which fails a
 * test that expects the model. When the proxy's event loop runs late it also ends its race
 * earlier (by its recent loop delay, up to a quarter of the budget): in one of ten runs at
 * 500 ms, with the loop's p99 at 100 ms, a first view of a known customer fell back. A wider
 * budget keeps those tests about their subject; the shipped 150 ms is held to by the
 * in-process proxy tests, the resilience suite and the benchmarks. Slow weather (1 s) and
 * hang stay past it, and every answer is still judged against this budget by the proxy's own
 * time (see `assertAnsweredWithinBudget`).
 */
export const e2eBudgetMs = 800;

/**
 * How long the storefront's pages wait for their server-rendered shelves here: past the budget above (the shipped
 * 300 ms is the shipped 150 ms budget with room), under the proxy's 2 s hard cap, so a hung cloud still gets a
 * server-rendered fallback, not the reserved space.
 */
export const e2eShelfTimeoutMs = e2eBudgetMs + 700;

/** Starts the whole stack on free ports, logging into a temp folder. */
export async function startE2eStack(
  env: NodeJS.ProcessEnv | ((ports: StackPorts) => NodeJS.ProcessEnv) = {},
): Promise<RunningStack> {
  await ensureBuilt();
  const ports = await freeStackPorts();
  const dir = mkdtempSync(join(tmpdir(), 'reco-e2e-'));
  return startProcesses(ports, {
    logDir: join(dir, 'logs'),
    env: {
      RECO_EVENTS_DIR: join(dir, 'events'),
      RECO_PLACEMENTS_FILE: placementsWithBudget(dir, e2eBudgetMs),
      STOREFRONT_SHELF_TIMEOUT_MS: String(e2eShelfTimeoutMs),
      ...(typeof env === 'function' ? env(ports) : env),
    },
  });
}

/** Launches headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium) as root can run it here. */
export function launchChromium(): Promise<Browser> {
  const { executablePath } = readEnvironment(
    'e2e',
    { executablePath: '/usr/bin/chromium' },
    { CHROMIUM_PATH: ['executablePath', nonEmptyText] },
  );
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * A fresh shopper (own cookies and localStorage). Reduced motion stops the skeleton's
 * shimmer: on two cores, software-rendered animation takes CPU from the servers under test.
 */
export function newShopperContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1100, height: 700 } });
}

/**
 * One throwaway page view before the tests: the first view after start pays for Chromium's
 * start-up and every process's first-run compilation on two cores, which can cost a shopper
 * the budget. The tests are about the steady state, as a storefront sees it after its first
 * minute; the cold start is the proxy's warm-up call's job.
 */
export async function warmUp(browser: Browser, stack: RunningStack): Promise<void> {
  const context = await newShopperContext(browser);
  const page = await context.newPage();
  await trackShelves(page);
  await openAndReadShelf(page, `${stack.urls.storefront}/product/85123A`, '#product-shelf');
  await context.close();
}

/** The stack and a browser, started together and warmed up; `close()` stops both. */
export async function startE2e(
  env: Parameters<typeof startE2eStack>[0] = {},
): Promise<{ stack: RunningStack; browser: Browser; close(): Promise<void> }> {
  const [stack, browser] = await Promise.all([startE2eStack(env), launchChromium()]);
  await warmUp(browser, stack);
  return {
    stack,
    browser,
    async close() {
      await browser.close();
      await stack.stop();
    },
  };
}

/** What a shelf reported with `reco-load` (or, server-rendered, what its fragment says), and what it shows. */
export interface ShelfView {
  /** Rendered by the storefront's server (the fragment's `data-request-id`), not fetched by the page. */
  serverRendered: boolean;
  source: string;
  fallbackReason: string | null;
  requestId: string;
  count: number;
  titles: string[];
  ids: string[];
}

type ShelfWindow = {
  __shelfLoads: Record<string, { source: string; fallbackReason: string | null; requestId: string; count: number }>;
};

/**
 * Records every shelf's `reco-load` detail, by element id, in each document the
 * page opens. Installed before any page script runs, so no event is missed.
 */
export async function trackShelves(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as ShelfWindow).__shelfLoads = {};
    document.addEventListener('reco-load', (event) => {
      (window as unknown as ShelfWindow).__shelfLoads[`#${(event.target as Element).id}`] = (
        event as CustomEvent
      ).detail;
    });
  });
}

/**
 * Runs `navigate` (a goto or a click that leads to a page) and resolves with what the shelf `selector` on the page
 * it lands on answered, and what it shows: a server-rendered shelf's fragment says it (`data-request-id`,
 * `data-source`, …); a shelf the page fetched reports it with `reco-load`.
 */
export async function shelfAfter(page: Page, selector: string, navigate: () => Promise<unknown>): Promise<ShelfView> {
  await navigate();
  await page.waitForLoadState('domcontentloaded');
  await page.waitForFunction(
    (sel) =>
      document.querySelector(sel)?.hasAttribute('data-request-id') ||
      (window as unknown as ShelfWindow).__shelfLoads?.[sel] !== undefined,
    selector,
    { timeout: 10_000 },
  );
  return page.evaluate((sel) => {
    const shelf = document.querySelector(sel)!;
    const root = shelf.shadowRoot!;
    const cards = Array.from(root.querySelectorAll('[part~="card"]'));
    const requestId = shelf.getAttribute('data-request-id');
    const detail =
      requestId === null
        ? (window as unknown as ShelfWindow).__shelfLoads[sel]!
        : {
            source: shelf.getAttribute('data-source') ?? '',
            fallbackReason: shelf.getAttribute('data-fallback-reason'),
            requestId,
            count: cards.length,
          };
    return {
      ...detail,
      serverRendered: requestId !== null,
      titles: cards.map((c) => c.querySelector('[part~="title"]')?.textContent?.trim() ?? ''),
      ids: cards.map((c) => new URL(c.querySelector('a')?.href ?? location.href).pathname.split('/').pop() ?? ''),
    };
  }, selector);
}

/** Opens `url` and reads the shelf `selector` on it. */
export function openAndReadShelf(page: Page, url: string, selector: string): Promise<ShelfView> {
  return shelfAfter(page, selector, () => page.goto(url));
}

/**
 * Judges an answer's timing by what the proxy controls. Tight: the proxy's own total, less how
 * late its budget timer fired (`timer-late`: the machine's share, when four servers, the test
 * runner and Chromium share two cores), keeps the budget. Loose: what the browser saw only has
 * to tell "answered" from "waited for the cloud" — below the proxy's hard cap; the browser's own
 * queueing on a busy machine is reported in the message, not judged.
 */
export async function assertAnsweredWithinBudget(response: Response, label: string): Promise<void> {
  const timing = response.request().timing();
  const serverTiming = (await response.allHeaders())['server-timing'] ?? '';
  const total = Number(/total;dur=([\d.]+)/.exec(serverTiming)?.[1]);
  const timerLate = Number(/timer-late;dur=([\d.]+)/.exec(serverTiming)?.[1] ?? 0);
  const seen = timing.responseEnd - timing.requestStart;
  const detail = `${label}: proxy total ${total} ms, browser saw ${Math.round(seen)} ms (${serverTiming})`;
  assert.ok(total - timerLate <= e2eBudgetMs, `the proxy missed its budget of ${e2eBudgetMs} ms: ${detail}`);
  assert.ok(seen < proxyDefaults.hardCapMs, `the browser waited as if for the cloud: ${detail}`);
}

type ShiftWindow = {
  __shifts: Array<{ value: number; shelf: boolean; what: string }>;
  __shiftObserver: PerformanceObserver;
  __onShifts: (entries: PerformanceEntry[]) => void;
};

/**
 * Records every layout shift of every document the page opens, from its first byte (`buffered`), and whether a
 * shelf can have caused it (a shelf, its content, or anything after a shelf in document order moved).
 */
export async function watchLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as ShiftWindow;
    w.__shifts = [];
    // No named helpers in here: tsx would wrap them in a __name() call the page does not have.
    w.__onShifts = (entries) => {
      type Source = { node?: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly };
      for (const entry of entries as Array<
        PerformanceEntry & { value: number; hadRecentInput: boolean; sources?: Source[] }
      >) {
        if (entry.hadRecentInput) continue;
        const shelves = Array.from(document.querySelectorAll('reco-shelf'));
        const nodes = (entry.sources ?? []).map((s) => s.node ?? null);
        const shelf = nodes.some(
          (node) =>
            node !== null &&
            shelves.some(
              (el) =>
                el === node ||
                el.contains(node) ||
                (el.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
            ),
        );
        const what = nodes.map((n) => (n as Element | null)?.outerHTML?.slice(0, 60) ?? String(n?.nodeName)).join(' ');
        w.__shifts.push({ value: entry.value, shelf, what: `${what} at ${Math.round(entry.startTime)} ms` });
      }
    };
    w.__shiftObserver = new PerformanceObserver((list) => w.__onShifts(list.getEntries()));
    w.__shiftObserver.observe({ type: 'layout-shift', buffered: true });
  });
}

/** The layout shifts recorded so far (those queued but not yet delivered included), after two more frames. */
export function readLayoutShifts(page: Page): Promise<{ cls: number; byShelf: string[]; other: string[] }> {
  return page.evaluate(async () => {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const w = window as unknown as ShiftWindow;
    w.__onShifts(w.__shiftObserver.takeRecords());
    const shifts = w.__shifts;
    return {
      cls: shifts.reduce((sum, s) => sum + s.value, 0),
      byShelf: shifts.filter((s) => s.shelf).map((s) => s.what),
      other: shifts.filter((s) => !s.shelf).map((s) => s.what),
    };
  });
}
