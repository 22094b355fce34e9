/**
 * A storefront developer's page on an origin of its own (neither the storefront's nor the
 * proxy's), written from widget/README.md: the shelf loads from the real proxy as a module and as a
 * classic script, and shows real pictures (the proxy makes item urls absolute with
 * RECO_CATALOG_BASE_URL).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningStack } from '../../demo/processes.ts';
import { freePort, newShopperContext, startE2e } from '../test-support/e2e-harness.ts';

/** The README's embed, with the script loaded as `kind`. */
function page(proxyUrl: string, kind: 'module' | 'classic'): string {
  const script =
    kind === 'module'
      ? `<script type="module" src="${proxyUrl}/reco-shelf.js"></script>`
      : `<script src="${proxyUrl}/reco-shelf.js" async></script>`;
  // A module cannot see its own URL, so the README has the page name the proxy with `endpoint`.
  const endpoint = kind === 'module' ? ` endpoint="${proxyUrl}"` : '';
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>elsewhere</title>
<style>
  reco-shelf:not(:defined) { display: block; height: 326px; animation: reco-release 0s 4s forwards; }
  reco-shelf:not(:defined) > * { display: none; }
  @keyframes reco-release { to { height: 0; } }
  reco-shelf { --reco-accent: #8a2be2; }
</style>${script}</head>
<body><table><tr><td><reco-shelf id="shelf" placement="home" limit="4"${endpoint}></reco-shelf></td></tr></table>
</body></html>`;
}

describe('the shelf on a page of another origin', () => {
  let stack: RunningStack;
  let browser: Browser;
  let e2e: Awaited<ReturnType<typeof startE2e>> | undefined;
  let site: Server;
  let siteUrl: string;
  before(async () => {
    const port = await freePort();
    siteUrl = `http://127.0.0.1:${port}`;
    e2e = await startE2e((ports) => ({
      RECO_ALLOWED_ORIGINS: siteUrl,
      RECO_CATALOG_BASE_URL: `http://localhost:${ports.storefront}/`,
    }));
    ({ stack, browser } = e2e);
    site = createServer((req, res) => {
      const kind = req.url === '/module' ? 'module' : 'classic';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(stack.urls.proxy, kind));
    }).listen(port, '127.0.0.1');
    await once(site, 'listening');
  });
  after(async () => {
    site?.close();
    await e2e?.close();
  });

  for (const kind of ['module', 'classic'] as const) {
    it(`loads as a ${kind} script and shows real pictures`, async () => {
      const context = await newShopperContext(browser);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(`${siteUrl}/${kind}`);
      await page.waitForFunction(
        () => {
          const imgs = document.querySelector('#shelf')?.shadowRoot?.querySelectorAll('img') ?? [];
          return imgs.length > 0 && Array.from(imgs).every((img) => img.complete);
        },
        undefined,
        { timeout: 10_000 },
      );
      const pictures = await page.evaluate(() =>
        Array.from(document.querySelector('#shelf')!.shadowRoot!.querySelectorAll('img')).map((img) => ({
          src: img.currentSrc,
          width: img.naturalWidth,
        })),
      );
      assert.equal(pictures.length, 4);
      for (const picture of pictures) {
        assert.ok(picture.src.startsWith(stack.urls.storefront), picture.src);
        assert.ok(picture.width > 0, `${picture.src} did not load`);
      }
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
