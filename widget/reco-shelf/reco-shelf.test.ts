import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecoShelf } from './reco-shelf.ts';
import { fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { products, recoResponse } from '../test/products.ts';
import { $, cards, frames, loadedShelf } from '../test/shelf-helpers.ts';

let proxy: FakeProxy;
beforeEach(() => (proxy = fakeProxy()));
afterEach(() => proxy.restore());

describe('reco-shelf request', () => {
  it('asks the endpoint for the placement, user, session, context items and limit from its attributes', async () => {
    await fixture(
      html`<reco-shelf loading="eager" endpoint="https://reco.example/api" placement="pdp" user-id="17850"
        session-id="s-1" items="85123A, 22423" limit="4"></reco-shelf>`,
    );
    const { url, method, body } = await proxy.nextCall();
    expect(method).to.equal('POST');
    expect(url.href).to.equal('https://reco.example/api/v1/shelves');
    expect(body).to.deep.equal({
      shelves: [{ placement: 'pdp', items: ['85123A', '22423'], limit: 4 }],
      userId: '17850',
      sessionId: 's-1',
      distinct: true,
    });
  });

  it('puts the shopper token in the body of a CORS simple request, never in the URL', async () => {
    await fixture(
      html`<reco-shelf loading="eager" endpoint="https://reco.example" placement="home"
        shopper-token="eyJhbGciOi.x.y"></reco-shelf>`,
    );
    const { url, method, body, headers } = await proxy.nextCall();
    expect(url.href).to.equal('https://reco.example/v1/shelves');
    expect(method).to.equal('POST');
    expect(body.shopperToken).to.equal('eyJhbGciOi.x.y');
    // Only CORS-safelisted headers, and no content type but the text/plain a string body gets.
    expect([...headers.keys()]).to.deep.equal(['accept']);
  });

  it('defaults to the page origin and an anonymous session id kept in localStorage, never a cookie', async () => {
    localStorage.removeItem('reco-shelf.sid');
    const cookies = document.cookie;
    await fixture(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    const { url, body } = await proxy.nextCall();
    expect(url.origin).to.equal(location.origin);
    expect(body.sessionId).to.be.a('string').and.equal(localStorage.getItem('reco-shelf.sid'));
    expect(body.shelves).to.deep.equal([{ placement: 'home', items: [], limit: 8 }]);
    expect(document.cookie).to.equal(cookies);
  });

  it('clamps limit to 48 and never shows more items than asked for', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" limit="3"></reco-shelf>`,
      recoResponse(products),
    );
    expect(cards(el)).to.have.length(3);
    el.limit = 500;
    expect((await proxy.nextCall()).body.shelves).to.have.nested.property('[0].limit', 48);
  });

  it('waits until the shelf nears the viewport when loading is lazy (the default)', async () => {
    const el = await fixture<RecoShelf>(
      html`<div><div style="height:4000px"></div><reco-shelf placement="home"></reco-shelf></div>`,
    );
    await frames();
    expect(proxy.calls).to.have.length(0);
    el.querySelector('reco-shelf')!.scrollIntoView();
    expect((await proxy.nextCall()).body.shelves).to.have.nested.property('[0].placement', 'home');
  });

  it('fetches at once, even off screen, when loading is eager', async () => {
    await fixture(
      html`<div><div style="height:4000px"></div><reco-shelf loading="eager" placement="home"></reco-shelf></div>`,
    );
    expect((await proxy.nextCall()).body.shelves).to.have.nested.property('[0].placement', 'home');
  });
});

describe('reco-shelf rendering', () => {
  it('shows heading, titles and prices of the answer as a labelled list', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" heading="You may also like"></reco-shelf>`,
    );
    const region = $(el, 'section')!;
    expect($(el, `#${region.getAttribute('aria-labelledby')}`)!.textContent).to.equal('You may also like');
    expect($(el, 'ul')!.getAttribute('role')).to.equal('list');
    expect(cards(el).map((c) => c.querySelector('.reco-title')!.textContent)).to.deep.equal(
      products.slice(0, 8).map((p) => p.title),
    );
    expect(cards(el)[0]!.querySelector('.reco-price')!.textContent).to.equal('£2.55');
  });

  it('lets the heading slot replace the heading text', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"
        ><span slot="heading">Picked for <em>you</em></span></reco-shelf>`,
    );
    const slot = $<HTMLSlotElement>(el, 'slot[name="heading"]')!;
    expect(slot.assignedElements()[0]!.textContent).to.equal('Picked for you');
  });

  it('formats prices with the locale attribute, and uses currency for prices that carry none', async () => {
    const items = [
      { ...products[0]!, price: { value: 2.55, currency: 'GBP' } },
      { ...products[1]!, price: { value: 1234.5 } },
    ];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" locale="de-DE" currency="EUR"></reco-shelf>`,
      recoResponse(items),
    );
    const prices = cards(el).map((c) => c.querySelector('.reco-price')!.textContent!.replace(/\s/g, ' '));
    expect(prices).to.deep.equal(['2,55 £', '1.234,50 €']);
  });

  it('resolves relative links and images against the page, not the endpoint, with a lazy, sized image', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" endpoint="https://reco.example" placement="home"></reco-shelf>`,
    );
    const card = cards(el)[0]!;
    expect(card.querySelector('a')!.href).to.equal(`${location.origin}/product/85123A`);
    const img = card.querySelector('img')!;
    expect(img.src).to.equal(`${location.origin}/images/85123A.svg`);
    expect([img.loading, img.decoding, img.alt, img.getAttribute('width'), img.getAttribute('height')]).to.deep.equal([
      'lazy',
      'async',
      '',
      '176',
      '176',
    ]);
  });

  it('passes a catalog srcset through when every candidate is a safe URL', async () => {
    const items = [
      { ...products[0]!, srcset: '/img/a-176.webp 176w, /img/a-352.webp 352w' },
      { ...products[1]!, srcset: 'javascript:alert(1) 1x' },
    ];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"></reco-shelf>`,
      recoResponse(items),
    );
    const [a, b] = cards(el).map((c) => c.querySelector('img')!);
    expect(a!.getAttribute('srcset')).to.equal(
      `${location.origin}/img/a-176.webp 176w, ${location.origin}/img/a-352.webp 352w`,
    );
    expect(b!.hasAttribute('srcset')).to.equal(false);
  });

  it('renders a carousel with previous/next buttons by default, and a grid without them', async () => {
    const carousel = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    expect($(carousel, '.reco-base')!.classList.contains('reco-carousel')).to.equal(true);
    expect(
      Array.from(carousel.shadowRoot!.querySelectorAll('[part="nav-button"]'), (b) => b.getAttribute('aria-label')),
    ).to.deep.equal(['Previous items', 'Next items']);
    expect(getComputedStyle($(carousel, '.reco-list')!).scrollSnapType).to.equal('x mandatory');
    const grid = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" layout="grid" style="width:600px"></reco-shelf>`,
    );
    expect($(grid, '.reco-base')!.classList.contains('reco-grid')).to.equal(true);
    expect($(grid, '[part="navigation"]')).to.equal(null);
    const tops = new Set(cards(grid).map((c) => c.getBoundingClientRect().top));
    expect(tops.size).to.be.greaterThan(1, 'a grid wraps onto several rows');
  });

  it('fills a storefront <template> per item, binding fields as text and safe URLs only', async () => {
    const items = [{ ...products[0]!, title: '<b>bold</b>', url: 'javascript:alert(1)' }, products[1]!];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"><template><style>.mine{color:rgb(1, 2, 3)}</style
        ><a class="mine" data-reco="url"><img data-reco="image"><b data-reco="title"></b> <i data-reco="price"></i
        ></a></template></reco-shelf>`,
      recoResponse(items),
    );
    const [first, second] = cards(el);
    expect(first!.querySelector('b')!.textContent).to.equal('<b>bold</b>');
    expect(first!.querySelector('a')!.hasAttribute('href')).to.equal(false);
    expect(second!.querySelector('a')!.href).to.equal(`${location.origin}/product/71053`);
    expect(second!.querySelector('i')!.textContent).to.equal('£3.39');
    expect(getComputedStyle(second!.querySelector('a')!).color).to.equal('rgb(1, 2, 3)');
  });

  it('lays out a template card as the storefront wrote it: the image does not cover the title', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"><template><style>b { display: block }</style
        ><a data-reco="url"><img data-reco="image" width="120" height="120"><b data-reco="title"></b></a
        ></template></reco-shelf>`,
    );
    const card = cards(el)[0]!;
    const image = card.querySelector('img')!.getBoundingClientRect();
    const title = card.querySelector('b')!.getBoundingClientRect();
    expect(image.height).to.equal(120);
    expect(title.top).to.be.at.least(image.bottom);
  });

  it("styles a template card only with the template's own CSS, whatever classes it uses", async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"><template><div class="card"
        ><a class="link title" data-reco="url">x</a> <span class="price add media" data-reco="price"></span
        ><button class="nav">+</button></div></template></reco-shelf>`,
    );
    const card = cards(el)[0]!;
    const price = getComputedStyle(card.querySelector('.price')!);
    expect([price.fontWeight, price.marginLeft, price.display, price.backgroundColor]).to.deep.equal([
      '400',
      '0px',
      'inline',
      'rgba(0, 0, 0, 0)',
    ]);
    expect(getComputedStyle(card.querySelector('.card')!).borderTopWidth).to.equal('0px');
    expect(getComputedStyle(card.querySelector('.title')!).height).to.not.equal('40px');
    expect(getComputedStyle(card.querySelector('button')!).borderRadius).to.not.equal('50%');
  });

  it("gives a template image that fails the default card's placeholder, at the template's image size", async () => {
    const items = [
      { ...products[0]!, image: '/definitely-missing.png' },
      { ...products[1]!, image: 'javascript:alert(1)' },
    ];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"><template><style>b { display: block }</style><a data-reco="url"
        ><img data-reco="image" width="120" height="90"><b data-reco="title"></b></a></template></reco-shelf>`,
      recoResponse(items),
    );
    const [failed, unsafe] = cards(el);
    const img = failed!.querySelector('img');
    if (img) await oneEvent(img, 'error');
    for (const card of [failed!, unsafe!]) {
      const box = card.querySelector('.reco-broken')!.getBoundingClientRect();
      expect([box.width, box.height]).to.deep.equal([120, 90]);
      expect(card.querySelector('b')!.getBoundingClientRect().top).to.be.at.least(box.bottom);
    }
    expect(getComputedStyle(unsafe!.querySelector('.reco-broken')!, '::after').borderTopWidth).to.equal('3px');
  });

  it('shows an add-to-cart button with a per-item name only when the storefront opts in', async () => {
    const plain = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    expect($(plain, 'button.reco-add')).to.equal(null);
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" add-to-cart="In den Warenkorb"></reco-shelf>`,
    );
    const button = cards(el)[0]!.querySelector('button')!;
    expect(button.textContent!.trim()).to.equal('In den Warenkorb');
    expect(button.getAttribute('aria-label')).to.equal(`In den Warenkorb: ${products[0]!.title}`);
  });
});

describe('reco-shelf with hostile product data', () => {
  it('renders markup in titles as text and drops javascript: and data: URLs', async () => {
    const w = window as unknown as { pwned?: number };
    const items = [
      { ...products[0]!, title: '<script>window.pwned=1</script>', url: 'javascript:window.pwned=2' },
      {
        ...products[1]!,
        title: '<img src=x onerror="window.pwned=3">',
        url: ' JaVaScRiPt:window.pwned=4',
        image: 'data:image/svg+xml,<svg onload="window.pwned=5"/>',
      },
      { ...products[2]!, url: 'data:text/html,<script>window.pwned=6</script>' },
    ];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"></reco-shelf>`,
      recoResponse(items),
    );
    const [a, b, c] = cards(el);
    expect(a!.querySelector('.reco-title')!.textContent).to.equal(items[0]!.title);
    expect(b!.querySelector('.reco-title')!.textContent).to.equal(items[1]!.title);
    expect(el.shadowRoot!.querySelectorAll('script, img[src="x"]')).to.have.length(0);
    for (const card of [a, b, c]) expect(card!.querySelector('a')!.hasAttribute('href')).to.equal(false);
    expect(b!.querySelector('img')).to.equal(null, 'an unsafe image is replaced by the placeholder');
    expect(b!.querySelector('.reco-broken')).to.not.equal(null);
    await frames();
    expect(w.pwned).to.equal(undefined);
  });

  it('replaces an image that fails to load with a placeholder', async () => {
    const items = [{ ...products[0]!, image: '/definitely-missing.png' }];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"></reco-shelf>`,
      recoResponse(items),
    );
    const img = cards(el)[0]!.querySelector('img')!;
    if (!img.parentElement!.classList.contains('reco-broken')) await oneEvent(img, 'error');
    expect(img.parentElement!.classList.contains('reco-broken')).to.equal(true);
    expect(getComputedStyle(img).visibility).to.equal('hidden');
  });

  it('ignores malformed items and a response that breaks the contract', async () => {
    const el = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`, {
      ...recoResponse(),
      items: [null, { id: 7 }, { id: 85123, title: 'OK' }],
    });
    expect(cards(el).map((c) => c.querySelector('.reco-title')!.textContent)).to.deep.equal(['OK']);
    const broken = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    const failed = oneEvent(broken, 'reco-error');
    (await proxy.nextCall()).respond({ nonsense: true });
    expect((await failed).detail).to.deep.equal({ code: 'RECO_INVALID_RESPONSE', error: 'invalid response' });
  });
});
