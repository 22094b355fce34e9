import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { answerJson, renderShelfHtml, shelfCss, shelfStyleHash, type ShelfToRender } from './shelf-html.ts';

const item = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  title: `Product ${id}`,
  url: `/product/${id}`,
  image: `/images/${id}.svg`,
  price: { value: 2.55, currency: 'GBP' },
  category: 'home',
  ...over,
});

const shelf = (items: ReturnType<typeof item>[], over: Partial<ShelfToRender> = {}): ShelfToRender => ({
  requestId: 'req-1',
  placement: 'home',
  source: 'model',
  fallbackReason: null,
  model: { version: 'v-7', variant: 'Challenger' },
  resolvers: ['model'],
  items,
  ...over,
});

/** The fragment's parts, cut at the fixed seams of interface 3. */
function parts(html: string) {
  const shape = new RegExp(
    '^(<reco-shelf[^>]*>)<template shadowrootmode="open"><style>([\\s\\S]*?)</style>([\\s\\S]*)</template>' +
      '<script type="application/json" data-reco-answer>([\\s\\S]*?)</script></reco-shelf>$',
  );
  const match = shape.exec(html);
  assert.ok(match, `not the fragment's shape: ${html.slice(0, 200)}`);
  const [, host, css, shadow, json] = match;
  return { host: host!, css: css!, shadow: shadow!, json: json! };
}

describe('renderShelfHtml', () => {
  it('is a <reco-shelf> with the attributes of the display and the answer on the host', () => {
    const html = renderShelfHtml(shelf([item('1')], { source: 'cache', fallbackReason: 'timeout' }), {
      heading: 'Bought together',
      layout: 'grid',
      limit: 6,
      items: ['85123A', '22423'],
      locale: 'en-GB',
    });
    assert.equal(
      parts(html).host,
      '<reco-shelf placement="home" items="85123A,22423" limit="6" heading="Bought together" layout="grid"' +
        ' locale="en-GB" data-ssr data-request-id="req-1" data-source="cache" data-fallback-reason="timeout"' +
        ' data-variant="Challenger" data-model-version="v-7">',
    );
    const bare = parts(renderShelfHtml(shelf([item('1')], { model: null, source: 'fallback' }), {})).host;
    assert.equal(bare, '<reco-shelf placement="home" data-ssr data-request-id="req-1" data-source="fallback">');
  });

  it('carries the element’s own CSS and the shelf as JSON', () => {
    const answer = shelf([item('1')]);
    const { css, json } = parts(renderShelfHtml(answer, {}));
    assert.equal(css, shelfCss);
    assert.ok(css.includes('.reco-card'));
    assert.deepEqual(JSON.parse(json), answer);
  });

  it('keeps hostile titles as text and attribute values', () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>&amp;\'';
    const { host, shadow } = parts(renderShelfHtml(shelf([item('1', { title: hostile })]), { heading: hostile }));
    assert.ok(!/<script|<img src=x/i.test(shadow), shadow);
    assert.ok(shadow.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(shadow.includes('&amp;amp;&#39;'));
    // The heading attribute cannot end its quotes: the host has exactly the attributes it should.
    assert.ok(host.startsWith('<reco-shelf placement="home" heading="&lt;script&gt;'), host);
    assert.equal(host.match(/"/g)!.length % 2, 0);
    assert.ok(!host.includes('<img'));
  });

  it('drops javascript: and data: URLs as the widget does, keeps http(s) and relative ones', () => {
    const { shadow } = parts(
      renderShelfHtml(
        shelf([
          item('1', { url: 'javascript:alert(1)', image: 'data:image/svg+xml,<svg onload=alert(1)>' }),
          item('2', { url: ' JaVaScRiPt:alert(1)', image: 'java\tscript:alert(1)' }),
          item('3', { url: 'https://shop.example/p/3?a=1&b="2"', image: '//cdn.example/3.jpg' }),
          item('4', { srcset: '/i/4.jpg 1x, javascript:alert(1) 2x' }),
          item('5', { srcset: '/i/5.jpg 1x, https://cdn.example/5.jpg 2x' }),
        ]),
        {},
      ),
    );
    const cards = shadow.split('<li ').slice(1);
    assert.ok(!/javascript|data:/i.test(shadow), shadow);
    assert.match(cards[0]!, /<a part="link" class="reco-link"><span class="reco-media"><span class="reco-broken">/);
    assert.match(cards[1]!, /<a part="link" class="reco-link"><span class="reco-media"><span class="reco-broken">/);
    assert.match(cards[2]!, /href="https:\/\/shop.example\/p\/3\?a=1&amp;b=%222%22"/);
    assert.match(cards[2]!, /src="\/\/cdn.example\/3.jpg"/);
    assert.match(cards[3]!, /href="\/product\/4"/);
    assert.ok(!cards[3]!.includes('srcset'), 'a srcset with one unsafe candidate is dropped whole');
    assert.match(cards[4]!, /srcset="\/i\/5.jpg 1x, https:\/\/cdn.example\/5.jpg 2x" sizes="auto, 200px"/);
  });

  it('writes a JSON block no title can close or comment out', () => {
    const answer = shelf([item('1', { title: '</script><script>alert(1)</script><!--' })]);
    const html = renderShelfHtml(answer, {});
    const { json } = parts(html);
    assert.ok(!json.includes('<'));
    assert.equal(html.match(/<\/script>/gi)!.length, 1);
    assert.deepEqual(JSON.parse(json), answer);
    assert.equal(answerJson({ ...answer, html: '<reco-shelf>' }), json, 'an html field stays out of the block');
  });

  it('formats prices as the element does: the item’s currency, else the display’s, in its locale', () => {
    const { shadow } = parts(
      renderShelfHtml(
        shelf([item('1', { price: { value: 1234.5, currency: 'EUR' } }), item('2', { price: { value: 3 } })]),
        { locale: 'de-DE', currency: 'CHF' },
      ),
    );
    const prices = [...shadow.matchAll(/class="reco-price">([^<]*)</g)].map((m) => m[1]);
    assert.deepEqual(prices, [
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(1234.5),
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'CHF' }).format(3),
    ]);
    assert.equal(prices[0], '1.234,50\u00a0€');
  });

  it('renders the reserved space for a shelf with no items: the loading skeleton, limit cards', () => {
    const { shadow } = parts(renderShelfHtml(shelf([]), { limit: 3 }));
    assert.match(shadow, /aria-busy="true"/);
    assert.match(shadow, /<ul [^>]*aria-hidden="true">/);
    assert.equal(shadow.match(/class="reco-card reco-skeleton"/g)!.length, 3);
    assert.equal(parts(renderShelfHtml(shelf([]), {})).shadow.match(/reco-skeleton/g)!.length, 8);
    assert.ok(!/<a /.test(shadow));
  });

  it('shows at most limit cards, the carousel with its buttons, the grid without', () => {
    const answer = shelf([item('1'), item('2'), item('3')]);
    const carousel = parts(renderShelfHtml(answer, { limit: 2 })).shadow;
    assert.equal(carousel.match(/<li /g)!.length, 2);
    assert.match(carousel, /class="reco-base reco-carousel"/);
    assert.equal(carousel.match(/part="nav-button"/g)!.length, 2);
    const grid = parts(renderShelfHtml(answer, { layout: 'grid' })).shadow;
    assert.match(grid, /class="reco-base reco-grid"/);
    assert.ok(!grid.includes('nav-button'));
  });

  it('has no style attribute, no event handler and no script but the data block', () => {
    const html = renderShelfHtml(shelf([item('1'), item('2', { url: 'javascript:x' })]), {});
    assert.ok(!/\sstyle=/.test(html));
    assert.ok(!/\son[a-z]+=/i.test(html));
    assert.equal(html.match(/<script/g)!.length, 1);
    assert.ok(!shelfCss.includes('</'), 'the CSS cannot end its <style>');
  });

  it('names the CSP hash of its <style>', async () => {
    const expected = createHash('sha256').update(shelfCss, 'utf8').digest('base64');
    assert.equal(await shelfStyleHash(), `'sha256-${expected}'`);
  });
});
