import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import { setPageConsent } from './consent.ts';
import { flushEvents, pendingEvents } from './event-beacon.ts';
import { loadExtras } from './extras-loader.ts';
import { RecoShelf } from './reco-shelf.ts';
import { fakeBeacon, fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { recoResponse } from '../test/products.ts';
import { cards } from '../test/shelf-helpers.ts';
import type { RecoItemDetail, TrackedEvent } from './types.ts';

const KEY = 'reco-shelf.sid';
let proxy: FakeProxy;
let beacon: ReturnType<typeof fakeBeacon>;
/** Every use of localStorage while a test runs: reading an id is already a use of the device. */
let storage: string[];
const original = {
  getItem: Storage.prototype.getItem,
  setItem: Storage.prototype.setItem,
  removeItem: Storage.prototype.removeItem,
};
type Layer = Array<unknown>;
const w = window as unknown as { dataLayer?: Layer; consentLayer?: Layer };

before(() => loadExtras());
beforeEach(() => {
  proxy = fakeProxy();
  beacon = fakeBeacon();
  original.removeItem.call(localStorage, KEY);
  storage = [];
  for (const name of ['getItem', 'setItem', 'removeItem'] as const) {
    Storage.prototype[name] = function (this: Storage, ...args: [string, string]) {
      storage.push(`${name} ${args[0]}`);
      return (original[name] as (...a: string[]) => string | null).apply(this, args);
    } as never;
  }
});
afterEach(() => {
  Object.assign(Storage.prototype, original);
  setPageConsent(undefined);
  delete w.dataLayer;
  delete w.consentLayer;
  flushEvents();
  beacon.restore();
  proxy.restore();
});

/** A shelf shown with two cards in view, whose impressions count at once. */
async function shownShelf(attributes: string): Promise<RecoShelf> {
  const markup = `<reco-shelf loading="eager" placement="home" ${attributes}></reco-shelf>`;
  const el = await fixture<HTMLElement>(html`<div style="width:400px" .innerHTML=${markup}></div>`);
  const shelf = el.querySelector('reco-shelf')!;
  shelf.impressionDwell = 0;
  const loaded = oneEvent(shelf, 'reco-load');
  (await proxy.nextCall()).respond(recoResponse());
  await loaded;
  await shelf.updateComplete;
  return shelf;
}

/** Clicks a card's link (kept on this page) and waits for its reco-click. */
async function clickCard(el: RecoShelf, i: number): Promise<RecoItemDetail> {
  const link = cards(el)[i]!.querySelector('a')!;
  link.addEventListener('click', (e) => e.preventDefault(), { once: true });
  const clicked = oneEvent(el, 'reco-click');
  link.click();
  return ((await clicked) as CustomEvent<RecoItemDetail>).detail;
}

const impressed = (el: RecoShelf) => {
  const seen: string[] = [];
  el.addEventListener('reco-impression', (e) => seen.push(e.detail.item.id));
  return seen;
};

describe('reco-shelf consent', () => {
  it('pending: shows recommendations, but uses no storage, no cookie, sends no beacon and pushes no GA4', async () => {
    const cookies = document.cookie;
    w.consentLayer = [];
    const el = await shownShelf('consent="pending" data-layer="consentLayer" items="22423"');
    expect(proxy.calls[0]!.body).to.deep.equal({
      shelves: [{ placement: 'home', items: ['22423'], limit: 8 }],
      distinct: true,
    });
    expect(cards(el)).to.have.length(8, 'the shelf shows its recommendations');
    const seen = impressed(el);
    await waitUntil(() => seen.length >= 2, 'impressions still reach the page as DOM events');
    expect((await clickCard(el, 0)).item.id).to.equal('85123A', 'reco-click still fires');
    const added = oneEvent(el, 'reco-add-to-cart');
    el.addToCart = '';
    await el.updateComplete;
    cards(el)[1]!.querySelector('button')!.click();
    await added;
    expect(pendingEvents(), 'no event queued for the proxy').to.deep.equal([]);
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(beacon.sent, 'no beacon').to.deep.equal([]);
    expect(w.consentLayer, 'no GA4 push').to.deep.equal([]);
    expect(storage, 'no localStorage read or write').to.deep.equal([]);
    expect(document.cookie).to.equal(cookies);
  });

  it('denied keeps it so; a page-context session-id the shop set still travels with the request', async () => {
    const el = await shownShelf('consent="denied" session-id="shop-session-7"');
    expect(proxy.calls[0]!.body.sessionId).to.equal('shop-session-7');
    await clickCard(el, 0);
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(beacon.sent).to.deep.equal([]);
    expect(storage).to.deep.equal([]);
  });

  it('setConsent("granted") from the banner: the session id is kept and events are sent from then on', async () => {
    const el = await shownShelf('consent="pending"');
    await clickCard(el, 0);
    expect(pendingEvents()).to.deep.equal([]);
    RecoShelf.setConsent('granted');
    await clickCard(el, 1);
    const [event] = pendingEvents() as [TrackedEvent];
    expect([event.type, event.itemId]).to.deep.equal(['click', '71053']);
    expect(event.sessionId).to.be.a('string').and.equal(original.getItem.call(localStorage, KEY));
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(beacon.sent).to.have.length(1);
  });

  it('setConsent("denied") withdraws it: the stored id is forgotten and unsent events are dropped', async () => {
    const el = await shownShelf('');
    await clickCard(el, 0);
    expect(pendingEvents()).to.have.length(1, 'absent means granted');
    expect(original.getItem.call(localStorage, KEY)).to.be.a('string');
    RecoShelf.setConsent('denied');
    await waitUntil(() => original.getItem.call(localStorage, KEY) === null, 'the stored id is removed');
    expect(pendingEvents()).to.deep.equal([]);
    await clickCard(el, 1);
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(beacon.sent).to.deep.equal([]);
  });

  it("follows Google Consent Mode's analytics_storage when the page uses it", async () => {
    const gtag = (...args: unknown[]) => w.dataLayer!.push(args);
    w.dataLayer = [];
    gtag('consent', 'default', { ad_storage: 'denied', analytics_storage: 'denied' });
    const el = await shownShelf('');
    expect(proxy.calls[0]!.body).to.not.have.property('sessionId');
    await clickCard(el, 0);
    expect(pendingEvents()).to.deep.equal([]);
    expect(storage).to.deep.equal([]);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    await clickCard(el, 1);
    expect(pendingEvents().map((e) => e.itemId)).to.deep.equal(['71053']);
    expect(storage).to.include(`setItem ${KEY}`);
  });
});
