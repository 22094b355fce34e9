/**
 * Screenshots of both layouts for the README: the BUILT bundle on a storefront page with
 * stub answers (real products of this retailer, simple inline SVG images). Every request is
 * answered by Playwright's router, so nothing leaves the machine.
 *   npm run build && npx tsx widget/scripts/screenshots.ts
 */
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { products, recoResponse } from '../test/products.ts';
import { nonEmptyText } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';

const ORIGIN = 'http://shop.example';
const { executablePath } = readEnvironment(
  'screenshots',
  { executablePath: '/usr/bin/chromium' },
  { CHROMIUM_PATH: ['executablePath', nonEmptyText] },
);
const bundle = readFileSync(new URL('../../dist/reco-shelf.js', import.meta.url), 'utf8');
const out = (name: string) => new URL(`../docs/${name}`, import.meta.url).pathname;

const palette = ['#c8553d', '#2d6a4f', '#d4a373', '#3a5a9b', '#b5838d', '#6d597a', '#e9c46a', '#457b9d'];
const shapes: [RegExp, string][] = [
  [/HEART/, '<path d="M50 78 C20 58 14 40 26 30 c9-7 19-3 24 6 c5-9 15-13 24-6 c12 10 6 28-24 48z"/>'],
  [/STAR/, '<path d="M50 18l9 20 22 2-17 14 5 22-19-11-19 11 5-22-17-14 22-2z"/>'],
  [/LANTERN/, '<path d="M38 34h24l4 40H34z"/><path d="M42 24h16v10H42z" opacity=".7"/>'],
  [
    /BOX|SET/,
    '<rect x="24" y="44" width="52" height="32" rx="4"/>' +
      '<rect x="32" y="26" width="36" height="18" rx="4" opacity=".7"/>',
  ],
  [
    /BOTTLE|HOTTIE|WARMER/,
    '<rect x="30" y="26" width="40" height="52" rx="14"/>' +
      '<rect x="42" y="18" width="16" height="12" rx="3" opacity=".7"/>',
  ],
  [
    /BIRD/,
    '<circle cx="46" cy="54" r="20"/><path d="M62 46l16-6-10 14z" opacity=".7"/>' +
      '<circle cx="40" cy="48" r="3" fill="#fff"/>',
  ],
  [
    /MUG/,
    '<rect x="28" y="30" width="36" height="44" rx="6"/>' +
      '<path d="M64 40h6a8 8 0 010 16h-6" fill="none" stroke-width="6"/>',
  ],
];

function svg(id: string): string {
  const item = products.find((p) => p.id === id);
  const i = Math.max(
    0,
    products.findIndex((p) => p.id === id),
  );
  const colour = palette[i % palette.length]!;
  const shape = shapes.find(([re]) => re.test(item?.title ?? ''))?.[1] ?? '<circle cx="50" cy="50" r="26"/>';
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">' +
    `<rect width="100" height="100" fill="${colour}" opacity=".12"/>` +
    `<g fill="${colour}" stroke="${colour}">${shape}</g></svg>`
  );
}

const page = (layout: string) =>
  `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<style>
  body { margin: 0; padding: 32px; background: #faf9f6; font-family: Georgia, serif; }
  reco-shelf:not(:defined) { display: block; height: 326px; }
</style>
<script src="${ORIGIN}/reco-shelf.js"></script></head>
<body><reco-shelf placement="pdp" items="85123A" layout="${layout}" loading="eager" ` +
  `heading="Customers also bought"${layout === 'grid' ? ' add-to-cart' : ''}></reco-shelf></body></html>`;

const browser = await chromium.launch({
  executablePath,
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  for (const [layout, width] of [
    ['carousel', 980],
    ['grid', 980],
  ] as const) {
    const context = await browser.newContext({ viewport: { width, height: 600 }, deviceScaleFactor: 1 });
    const tab = await context.newPage();
    await tab.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/reco-shelf.js') return route.fulfill({ contentType: 'text/javascript', body: bundle });
      if (url.pathname === '/v1/recommendations') return route.fulfill({ json: recoResponse(products.slice(1, 11)) });
      if (url.pathname.startsWith('/images/'))
        return route.fulfill({ contentType: 'image/svg+xml', body: svg(url.pathname.slice(8, -4)) });
      return route.fulfill({ contentType: 'text/html', body: page(layout) });
    });
    await tab.goto(`${ORIGIN}/product/85123A`);
    await tab.waitForFunction(() => document.querySelector('reco-shelf')?.shadowRoot?.querySelectorAll('img').length);
    await tab.evaluate(() =>
      Promise.all(
        Array.from(document.querySelector('reco-shelf')!.shadowRoot!.querySelectorAll('img'), (i) =>
          i.decode().catch(() => {}),
        ),
      ),
    );
    await tab.locator('reco-shelf').screenshot({ path: out(`${layout}.png`) });
    console.log(`wrote ${out(`${layout}.png`)}`);
    await context.close();
  }
} finally {
  await browser.close();
}
