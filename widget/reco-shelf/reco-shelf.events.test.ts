import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecoShelf } from './reco-shelf.ts';
import { flushEvents, pendingEvents } from './event-beacon.ts';
import { loadExtras } from './extras-loader.ts';
import { fakeBeacon, fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { products, recoResponse } from '../test/products.ts';
import { $, cards, loadedShelf } from '../test/shelf-helpers.ts';
import type { RecoItemDetail, TrackedEvent } from './types.ts';

let proxy: FakeProxy;
let beacon: ReturnType<typeof fakeBeacon>;
// Events, impressions and GA4 come with the second chunk, which a shelf fetches when its cards
// first show, i.e. before a shopper can click one. Here it is there from the start (the built
// bundle's lazy loading, and a shelf without it: widget/test/bundle.test.ts).
before(() => loadExtras());
beforeEach(() => {
  proxy = fakeProxy();
  beacon = fakeBeacon();
});
afterEach(() => {
  flushEvents();
  beacon.restore();
  proxy.restore();
});

const offscreen = (inner: ReturnType<typeof html>) => html`<div><div style="height:4000px"></div>${inner}</div>`;

describe('reco-shelf load and error events', () => {
  it('reports reco-load with exactly source, fallbackReason, requestId and count, across shadow DOM', async () => {
    const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    const loaded = oneEvent(document, 'reco-load');
    (await proxy.nextCall()).respond(
      recoResponse(products.slice(0, 5), { requestId: 'r-42', source: 'fallback', fallbackReason: 'timeout' }),
    );
    const event = await loaded;
    expect(event.target).to.equal(el);
    expect([event.bubbles, event.composed]).to.deep.equal([true, true]);
    expect(event.detail).to.deep.equal({ source: 'fallback', fallbackReason: 'timeout', requestId: 'r-42', count: 5 });
  });

  it('collapses to nothing when even the fallback is empty and the shelf is off screen', async () => {
    const wrap = await fixture(offscreen(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`));
    const el = wrap.querySelector('reco-shelf')!;
    expect(el.getBoundingClientRect().height).to.be.greaterThan(200, 'the skeleton reserves space');
    const loaded = oneEvent(el, 'reco-load');
    (await proxy.nextCall()).respond(recoResponse([]));
    expect((await loaded).detail.count).to.equal(0);
    await el.updateComplete;
    expect(el.getBoundingClientRect().height).to.equal(0);
  });

  it('shows the empty slot instead when the storefront provides one', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home"><p slot="empty">Browse our bestsellers</p></reco-shelf>`,
      recoResponse([]),
    );
    expect($<HTMLSlotElement>(el, 'slot[name="empty"]')!.assignedElements()[0]!.textContent).to.equal(
      'Browse our bestsellers',
    );
  });

  it('reports a network failure as reco-error and shows no error box', async () => {
    const wrap = await fixture(offscreen(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`));
    const el = wrap.querySelector('reco-shelf')!;
    const failed = oneEvent(el, 'reco-error');
    (await proxy.nextCall()).fail();
    expect((await failed).detail).to.deep.equal({ code: 'RECO_PROXY_UNREACHABLE', error: 'Failed to fetch' });
    await el.updateComplete;
    expect(el.shadowRoot!.textContent!.trim()).to.equal('');
    expect(el.getBoundingClientRect().height).to.equal(0);
  });

  it("reports the proxy's 4xx message, a 5xx status and an origin the proxy does not allow as reco-error", async () => {
    const answers: [number, unknown, unknown][] = [
      [
        400,
        { error: { code: 'invalid_request', message: 'placement: must match [a-z0-9-]{1,64}' } },
        { code: 'RECO_REQUEST_REJECTED', error: 'placement: must match [a-z0-9-]{1,64}' },
      ],
      [503, { error: { code: 'unavailable', message: 'down' } }, { code: 'RECO_PROXY_ERROR', error: 'http 503' }],
      [
        403,
        { error: { code: 'origin_not_allowed', message: 'origin https://x is not an allowed storefront' } },
        { code: 'RECO_ORIGIN_NOT_ALLOWED', error: 'origin https://x is not an allowed storefront' },
      ],
    ];
    for (const [status, body, detail] of answers) {
      const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
      const failed = oneEvent(el, 'reco-error');
      (await proxy.nextCall()).respond(body, status);
      expect((await failed).detail).to.deep.equal(detail);
    }
  });

  it('gives up on a slow answer after the timeout, aborting the request', async () => {
    const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home" timeout="30"></reco-shelf>`);
    const failed = oneEvent(el, 'reco-error');
    const call = await proxy.nextCall();
    expect((await failed).detail).to.deep.equal({ code: 'RECO_TIMEOUT', error: 'timeout' });
    expect(call.aborted).to.equal(true);
  });

  it('ignores a stale answer when attributes change while a request is in flight', async () => {
    const el = await fixture<RecoShelf>(
      html`<reco-shelf loading="eager" placement="home" items="85123A"></reco-shelf>`,
    );
    const first = await proxy.nextCall();
    el.setAttribute('items', '22752');
    const second = await proxy.nextCall();
    expect(first.aborted).to.equal(true);
    expect(second.body.shelves).to.have.deep.nested.property('[0].items', ['22752']);
    const loads: unknown[] = [];
    el.addEventListener('reco-load', (e) => loads.push(e.detail));
    first.respond(recoResponse(products.slice(0, 2), { requestId: 'stale' }));
    const loaded = oneEvent(el, 'reco-load');
    second.respond(recoResponse(products.slice(5, 8), { requestId: 'fresh' }));
    expect((await loaded).detail.requestId).to.equal('fresh');
    await el.updateComplete;
    expect(loads).to.have.length(1);
    expect(cards(el)[0]!.querySelector('.reco-title')!.textContent).to.equal(products[5]!.title);
  });

  it('aborts its request when removed from the page', async () => {
    const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    const call = await proxy.nextCall();
    el.remove();
    expect(call.aborted).to.equal(true);
  });
});

describe('reco-shelf shopper events', () => {
  it('reports clicks as a cancelable reco-click and queues a click event for the proxy', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" user-id="17850"></reco-shelf>`,
    );
    el.addEventListener('reco-click', (e) => e.preventDefault(), { once: true });
    const clicked = oneEvent(el, 'reco-click');
    cards(el)[1]!.querySelector('a')!.click();
    const { detail } = (await clicked) as CustomEvent<RecoItemDetail>;
    expect([detail.item.id, detail.position, detail.requestId, detail.source, detail.placement]).to.deep.equal([
      '71053',
      1,
      'req-1',
      'model',
      'home',
    ]);
    expect(location.pathname).to.not.equal('/product/71053', 'preventDefault stops the navigation');
    const [event] = pendingEvents();
    expect(event).to.include({
      type: 'click',
      itemId: '71053',
      requestId: 'req-1',
      source: 'model',
      placement: 'home',
      userId: '17850',
    });
    expect(event).to.not.have.property('sessionId');
  });

  it("sends the shopper token, and the answer's model variant and version, with every event", async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" shopper-token="eyJhbGciOi.x.y" add-to-cart></reco-shelf>`,
      recoResponse(products.slice(0, 3), { model: { version: 'v7', variant: 'model-b' } }),
    );
    expect(proxy.calls[0]!.body.shopperToken).to.equal('eyJhbGciOi.x.y');
    cards(el)[0]!.querySelector('button')!.click();
    const carted = () => pendingEvents().filter((e) => e.type === 'add_to_cart');
    expect(carted()[0]).to.include({ shopperToken: 'eyJhbGciOi.x.y', variant: 'model-b', modelVersion: 'v7' });
    const rules = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" add-to-cart></reco-shelf>`,
      recoResponse(products.slice(0, 3), { source: 'fallback', model: null }),
    );
    cards(rules)[0]!.querySelector('button')!.click();
    expect(carted()[1]).to.not.have.any.keys('shopperToken', 'variant', 'modelVersion');
  });

  it('reports the add-to-cart button as reco-add-to-cart', async () => {
    const el = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home" add-to-cart></reco-shelf>`);
    const added = oneEvent(el, 'reco-add-to-cart');
    cards(el)[2]!.querySelector('button')!.click();
    expect(((await added) as CustomEvent<RecoItemDetail>).detail.item.id).to.equal(products[2]!.id);
    expect(pendingEvents().map((e) => e.type)).to.deep.equal(['add_to_cart']);
  });

  it('reports an impression for each card that stays at least half visible for the dwell time', async () => {
    const el = await fixture<RecoShelf>(
      html`<reco-shelf loading="eager" placement="home" style="width:400px"></reco-shelf>`,
    );
    el.impressionDwell = 20;
    const seen: string[] = [];
    el.addEventListener('reco-impression', (e) => seen.push(e.detail.item.id));
    (await proxy.nextCall()).respond(recoResponse());
    // 400px shows two 176px cards fully; the third is cut below half.
    await waitUntil(() => seen.length >= 2, 'two visible cards are impressed');
    expect(seen.sort()).to.deep.equal(['71053', '85123A']);
  });

  it('sends queued impressions and clicks in one text/plain beacon batch on pagehide', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" endpoint="https://reco.example" placement="home"></reco-shelf>`,
    );
    cards(el)[0]!
      .querySelector('a')!
      .addEventListener('click', (e) => e.preventDefault());
    cards(el)[0]!.querySelector('a')!.click();
    cards(el)[1]!
      .querySelector('a')!
      .addEventListener('click', (e) => e.preventDefault());
    cards(el)[1]!.querySelector('a')!.click();
    expect(beacon.sent).to.have.length(0, 'nothing leaves before the page hides');
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(beacon.sent).to.have.length(1);
    const [{ url, body }] = beacon.sent as [{ url: string; body: Blob }];
    expect(url).to.equal('https://reco.example/v1/events');
    expect(body.type).to.equal('text/plain');
    const { events } = JSON.parse(await body.text()) as { events: TrackedEvent[] };
    expect(events.map((e) => [e.type, e.itemId, e.requestId, e.source])).to.deep.equal([
      ['click', '85123A', 'req-1', 'model'],
      ['click', '71053', 'req-1', 'model'],
    ]);
    expect(new Set(events.map((e) => e.id)).size).to.equal(2);
    expect(events[0]!.sessionId).to.be.a('string');
    expect(events[0]!.ts).to.be.closeTo(Date.now(), 60_000);
  });

  it('pushes GA4 select_item to the data layer named by data-layer', async () => {
    const w = window as unknown as { shopLayer?: unknown[] };
    delete w.shopLayer;
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="pdp" heading="Similar items" data-layer="shopLayer"
        ><h3 slot="heading"> Complete the look</h3></reco-shelf>`,
    );
    const link = cards(el)[0]!.querySelector('a')!;
    link.addEventListener('click', (e) => e.preventDefault());
    link.click();
    expect(w.shopLayer).to.deep.equal([
      { ecommerce: null },
      {
        event: 'select_item',
        reco_source: 'model',
        ecommerce: {
          item_list_id: 'pdp',
          item_list_name: 'Complete the look',
          currency: 'GBP',
          items: [
            {
              item_id: '85123A',
              item_name: products[0]!.title,
              index: 0,
              item_list_id: 'pdp',
              item_list_name: 'Complete the look',
              item_category: 'candles & lights',
              price: 2.55,
            },
          ],
        },
      },
    ]);
  });

  it('pushes GA4 add_to_cart with value, currency and quantity from the add button', async () => {
    const w = window as unknown as { dataLayer?: unknown[] };
    w.dataLayer = [];
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="cart" heading="Goes with" data-layer add-to-cart></reco-shelf>`,
      recoResponse(products.slice(0, 3), { source: 'cache' }),
    );
    cards(el)[1]!.querySelector('button')!.click();
    expect(w.dataLayer).to.deep.equal([
      { ecommerce: null },
      {
        event: 'add_to_cart',
        reco_source: 'cache',
        ecommerce: {
          value: 3.39,
          currency: 'GBP',
          items: [
            {
              item_id: '71053',
              item_name: products[1]!.title,
              index: 1,
              item_list_id: 'cart',
              item_list_name: 'Goes with',
              item_category: 'candles & lights',
              price: 3.39,
              quantity: 1,
            },
          ],
        },
      },
    ]);
  });

  it('pushes one GA4 view_item_list for the cards that came into view together, with their index', async () => {
    type Push = { event?: string; ecommerce?: { items: { item_id: string; index: number }[] } | null };
    const w = window as unknown as { dataLayer?: Push[] };
    w.dataLayer = [];
    const el = await fixture<RecoShelf>(
      html`<reco-shelf loading="eager" placement="home" data-layer style="width:400px"></reco-shelf>`,
    );
    el.impressionDwell = 0;
    (await proxy.nextCall()).respond(recoResponse(products.slice(0, 8), { source: 'fallback' }));
    // 400px shows two 176px cards fully; the third is cut below half.
    await waitUntil(() => w.dataLayer!.length > 0, 'a view_item_list push');
    expect(w.dataLayer).to.have.length(2, 'one clear and one push');
    const [clear, push] = w.dataLayer;
    expect(clear).to.deep.equal({ ecommerce: null });
    expect([push!.event, (push as { reco_source?: string }).reco_source]).to.deep.equal(['view_item_list', 'fallback']);
    expect(push!.ecommerce!.items.map((i) => [i.item_id, i.index])).to.deep.equal([
      ['85123A', 0],
      ['71053', 1],
    ]);
  });
});
