/**
 * The demo storefront: a legacy, server-rendered shop on its own port. It
 * reads the same catalog as the proxy, serves its own product pictures, and
 * embeds the shelf by script tag from the proxy's origin.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger, pino } from 'pino';
import { readCatalogFile, type CatalogProduct } from '../../data/catalog.ts';
import { categories } from '../../data/categories.ts';
import { productImageSvg } from '../../data/product-image.ts';
import { cookieValue, readCart, writeCart } from './cart-cookie.ts';
import { raw } from './html.ts';
import { cartPage, homePage, homeShelf, monitorPage, notFoundPage, productPage, type PageContext } from './pages.ts';
import { defaultShelfTimeoutMs, renderShelves } from './server-shelves.ts';
import { readMonitorFigures } from './monitor.ts';
import { signShopperToken } from './shopper-token.ts';
import { readWeather, setWeather } from './weather.ts';

/** Real customers of the data set the shopper switcher offers. */
export const demoCustomers = ['17850', '12347', '13047', '12583', '15311', '14646'] as const;

/** How the storefront is wired. */
export interface StorefrontOptions {
  proxyUrl: string;
  /** The proxy's admin listener, whose `/metrics` the shop monitor reads. */
  proxyAdminUrl: string;
  /** The local SageMaker runtime, for the weather control. */
  runtimeUrl: string;
  catalogFile?: string;
  /** Signs the signed-in customer's shopper token (`RECO_SHOPPER_TOKEN_SECRET`, shared with the proxy). */
  shopperTokenSecret: string;
  /** Posts the purchases of a placed order (`RECO_SERVER_KEY`, shared with the proxy). */
  serverKey: string;
  /**
   * How long a page waits for its server-rendered shelves (`STOREFRONT_SHELF_TIMEOUT_MS`, default 300 ms) before it
   * renders their reserved space for the script to fill.
   */
  shelfTimeoutMs?: number;
  /** Where a page that failed (500) is logged; default: nowhere. */
  logger?: Logger;
}

const staticFiles: Record<string, [file: string, type: string]> = {
  '/static/legacy.css': ['legacy.css', 'text/css; charset=utf-8'],
  '/static/paper.svg': ['paper.svg', 'image/svg+xml'],
  '/static/favicon.svg': ['favicon.svg', 'image/svg+xml'],
  '/static/debug-overlay.js': ['debug-overlay.js', 'text/javascript; charset=utf-8'],
};

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) break;
  }
  return new URLSearchParams(body);
}

/** Creates the storefront's HTTP server (not listening). */
export function createStorefront(options: StorefrontOptions) {
  const logger = options.logger ?? pino({ level: 'silent' });
  const catalog = readCatalogFile(options.catalogFile);
  const byId = new Map(catalog.products.map((p) => [p.id, p]));
  const offers = catalog.products.filter((p) => p.inStock).slice(8, 20);
  const proxyOrigin = new URL(options.proxyUrl).origin;

  /** Tells the proxy, from this server, what was bought: the purchases the model learns from. */
  const postPurchases = async (customer: string | null, lines: ReadonlyMap<string, number>): Promise<void> => {
    const order = randomUUID();
    const events = [...lines.keys()].map((itemId) => ({
      id: `order-${order}-${itemId}`,
      type: 'purchase',
      placement: 'checkout',
      itemId,
      ...(customer ? { userId: customer } : { sessionId: `order-${order}` }),
      ts: Date.now(),
    }));
    const res = await fetch(`${options.proxyUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.serverKey}` },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 202)
      throw new Error(`the proxy refused the order's purchases: ${res.status} ${await res.text()}`);
  };
  /** Tells the proxy, from this server, that the guest's session signed in as `customer` (`identify`). */
  const postIdentify = async (sessionId: string, customer: string): Promise<void> => {
    const identify = { id: `identify-${randomUUID()}`, type: 'identify', sessionId, userId: customer, ts: Date.now() };
    const res = await fetch(`${options.proxyUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.serverKey}` },
      body: JSON.stringify({ events: [identify] }),
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    await res?.arrayBuffer();
    // A sign-in never fails for it: the session then counts as itself.
    if (res?.status !== 202) logger.warn({ status: res?.status ?? null }, 'storefront: the proxy refused identify');
  };
  // `style-src 'unsafe-inline'` also admits the `<style>` in a server-rendered shelf's declarative shadow root (a
  // stricter shop lists that text's hash instead: it is the element's own, fixed styles). No script needs more: the
  // fragment's answer is a JSON data block, which no CSP runs.
  const csp = [
    `default-src 'self'`,
    `script-src 'self' ${proxyOrigin}`,
    `connect-src 'self' ${proxyOrigin}`,
    `img-src 'self' data:`,
    `style-src 'self' 'unsafe-inline'`,
    `frame-ancestors 'none'`,
  ].join('; ');
  const files = new Map(
    Object.entries(staticFiles).map(([path, [file, type]]) => [
      path,
      [readFileSync(new URL(file, import.meta.url)), type] as const,
    ]),
  );

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', ...headers });
    res.end(body);
  };
  const page = (res: ServerResponse, status: number, markup: string): void =>
    send(res, status, 'text/html; charset=utf-8', markup, {
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
    });
  const redirect = (res: ServerResponse, location: string, cookie?: string): void => {
    res.writeHead(303, { Location: location, ...(cookie ? { 'Set-Cookie': cookie } : {}) });
    res.end();
  };
  // Back to the page the form was on; only same-site paths, never an open redirect.
  const back = (req: IncomingMessage): string => {
    const referer = req.headers.referer;
    try {
      const path = referer ? new URL(referer).pathname : '/';
      return path.startsWith('/') && !path.startsWith('//') ? path : '/';
    } catch {
      return '/';
    }
  };

  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://storefront');
    const cookies = req.headers.cookie;
    const customer = cookieValue(cookies, 'customer') ?? null;
    const cart = readCart(cookieValue(cookies, 'cart'));
    const debugParam = url.searchParams.get('debug');
    const debug = debugParam === null ? cookieValue(cookies, 'debug') === '1' : debugParam === '1';
    const isPage = req.method === 'GET' && !url.pathname.startsWith('/static/') && !url.pathname.startsWith('/images/');
    const signedIn = customer && /^\d{5}$/.test(customer) ? customer : null;
    // A guest's session with this shop: the proxy knows a guest's shelves (its cache, its experiment arm) by it,
    // whether the storefront's server or the page asks, and the shelf's events name it too.
    const knownSession = cookieValue(cookies, 'session');
    const sessionId =
      signedIn || !isPage ? null : knownSession && /^[0-9a-f-]{36}$/.test(knownSession) ? knownSession : randomUUID();
    const setCookies = [
      ...(debugParam === null ? [] : [`debug=${debug ? 1 : 0}; Path=/; SameSite=Lax`]),
      ...(sessionId && sessionId !== knownSession ? [`session=${sessionId}; Path=/; SameSite=Lax; HttpOnly`] : []),
    ];
    if (setCookies.length > 0) res.setHeader('Set-Cookie', setCookies);
    const ordered = Number(url.searchParams.get('ordered') ?? 0);
    const ctx: PageContext = {
      proxyUrl: options.proxyUrl,
      customer: signedIn,
      shopperToken: signedIn && isPage ? await signShopperToken(signedIn, options.shopperTokenSecret) : null,
      sessionId,
      ...(Number.isInteger(ordered) && ordered > 0 && ordered < 1000 ? { ordered } : {}),
      customers: demoCustomers,
      categories,
      cartCount: [...cart.values()].reduce((a, b) => a + b, 0),
      weather: isPage ? (await readWeather(options.runtimeUrl)).mode : 'unknown',
      debug,
    };
    try {
      const file = files.get(url.pathname);
      if (file) return send(res, 200, file[1], file[0], { 'Cache-Control': 'public, max-age=3600' });
      const image = /^\/images\/([A-Za-z0-9_-]{1,32})\.svg$/.exec(url.pathname);
      if (image) {
        const product = byId.get(image[1]!);
        return product
          ? send(res, 200, 'image/svg+xml', productImageSvg(product), { 'Cache-Control': 'public, max-age=86400' })
          : send(res, 404, 'text/plain', 'no such image');
      }
      if (url.pathname === '/' && req.method === 'GET') {
        const shelves = await renderShelves(options.proxyUrl, [homeShelf], {
          shopperToken: ctx.shopperToken,
          sessionId: ctx.sessionId,
          timeoutMs: options.shelfTimeoutMs ?? defaultShelfTimeoutMs,
        });
        if (shelves.outcome !== 'server-rendered')
          logger.warn({ outcome: shelves.outcome }, 'storefront: home shelf left to the script');
        // The proxy's own timing travels on the page, as it does on the browser's own shelf requests.
        if (shelves.serverTiming) res.setHeader('Server-Timing', shelves.serverTiming);
        res.setHeader('X-Shelves', shelves.outcome);
        return page(res, 200, homePage(ctx, offers, raw(shelves.markup[0]!)));
      }
      const productMatch = /^\/product\/([A-Za-z0-9_-]{1,32})$/.exec(url.pathname);
      if (productMatch && req.method === 'GET') {
        const product = byId.get(productMatch[1]!);
        return product ? page(res, 200, productPage(ctx, product)) : page(res, 404, notFoundPage(ctx));
      }
      if (url.pathname === '/cart' && req.method === 'GET') {
        const lines = [...cart]
          .map(([id, quantity]) => ({ product: byId.get(id), quantity }))
          .filter((l): l is { product: CatalogProduct; quantity: number } => l.product !== undefined);
        return page(res, 200, cartPage(ctx, lines));
      }
      if (url.pathname === '/cart/add' && req.method === 'POST') {
        const id = (await readForm(req)).get('id') ?? '';
        if (byId.has(id)) cart.set(id, Math.min(999, (cart.get(id) ?? 0) + 1));
        return redirect(res, '/cart', `cart=${encodeURIComponent(writeCart(cart))}; Path=/; SameSite=Lax`);
      }
      if (url.pathname === '/checkout' && req.method === 'POST') {
        if (cart.size === 0) return redirect(res, '/cart');
        await postPurchases(signedIn, cart);
        return redirect(res, `/cart?ordered=${cart.size}`, 'cart=; Path=/; SameSite=Lax; Max-Age=0');
      }
      if (url.pathname === '/demo/weather' && req.method === 'POST') {
        await setWeather(options.runtimeUrl, (await readForm(req)).get('mode') ?? '');
        return redirect(res, back(req));
      }
      if (url.pathname === '/monitor' && req.method === 'GET') {
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          monitorPage(ctx, await readMonitorFigures(options.proxyAdminUrl)),
          { 'Content-Security-Policy': csp, 'Cache-Control': 'no-store', Refresh: '5' },
        );
      }
      if (url.pathname === '/login' && req.method === 'GET') {
        const chosen = url.searchParams.get('customer') ?? '';
        const value = (demoCustomers as readonly string[]).includes(chosen) ? chosen : '';
        // A guest signing in: the proxy joins the session to the customer (their arm, their purchases, the export).
        if (value && knownSession) await postIdentify(knownSession, value);
        return redirect(res, '/', `customer=${value}; Path=/; SameSite=Lax${value ? '' : '; Max-Age=0'}`);
      }
      page(res, 404, notFoundPage(ctx));
    } catch (error) {
      send(res, 500, 'text/plain', 'storefront error');
      logger.error({ err: error, path: req.url }, 'storefront: page failed');
    }
  });
}
