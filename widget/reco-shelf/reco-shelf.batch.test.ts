import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecoShelf } from './reco-shelf.ts';
import { flushEvents, pendingEvents } from './event-beacon.ts';
import { loadExtras } from './extras-loader.ts';
import { answerShelves, fakeBeacon, fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { products, recoResponse } from '../test/products.ts';
import { cards, frames } from '../test/shelf-helpers.ts';
import type { RecoItemDetail, RecoLoadDetail } from './types.ts';

let proxy: FakeProxy;
let beacon: ReturnType<typeof fakeBeacon>;
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

/** The answer of shelf `i`: four products no other shelf has (the proxy's `distinct`), its own requestId. */
const shelfAnswer = (shelf: Record<string, unknown>, i: number) =>
  recoResponse(products.slice(i * 4, i * 4 + 4), { requestId: `batch-${i}`, placement: shelf.placement as string });

const threeShelves = async (attributes = '') => {
  const page = await fixture<HTMLElement>(html`<div></div>`);
  page.innerHTML = ['home', 'product', 'cart']
    .map((placement) => `<reco-shelf placement="${placement}" shopper-token="eyJ.t.s" ${attributes}></reco-shelf>`)
    .join('');
  return [...page.querySelectorAll<RecoShelf>('reco-shelf')];
};

describe('reco-shelf batching', () => {
  it('sends shelves that load in one frame as one POST /v1/shelves, a later shelf in one of its own', async () => {
    const shelves = await threeShelves('items="85123A"');
    const loads = shelves.map((el) => oneEvent(el, 'reco-load'));
    const call = await proxy.nextCall();
    expect(call.url.pathname).to.equal('/v1/shelves');
    expect(call.url.search).to.equal('');
    expect([...call.headers.keys()]).to.deep.equal(['accept'], 'a CORS simple request (text/plain body)');
    expect(call.body).to.deep.equal({
      shelves: ['home', 'product', 'cart'].map((placement) => ({ placement, items: ['85123A'], limit: 8 })),
      sessionId: call.body.sessionId,
      shopperToken: 'eyJ.t.s',
      distinct: true,
    });
    answerShelves(call, shelfAnswer);
    const details = (await Promise.all(loads)).map((e) => (e as CustomEvent<RecoLoadDetail>).detail.requestId);
    expect(details).to.deep.equal(['batch-0', 'batch-1', 'batch-2']);
    await frames();
    expect(proxy.calls).to.have.length(1, 'no shelf asks again');
    expect(shelves.map((el) => cards(el).length)).to.deep.equal([4, 4, 4]);

    // Each shelf's events carry its own shelf's requestId.
    const clicked = oneEvent(shelves[1]!, 'reco-click');
    shelves[1]!.addEventListener('reco-click', (e) => e.preventDefault());
    cards(shelves[1]!)[0]!.querySelector('a')!.click();
    expect(((await clicked) as CustomEvent<RecoItemDetail>).detail.requestId).to.equal('batch-1');
    expect(pendingEvents().map((e) => [e.requestId, e.placement])).to.deep.equal([['batch-1', 'product']]);

    const later = document.createElement('reco-shelf');
    later.setAttribute('placement', 'footer');
    later.setAttribute('loading', 'eager');
    shelves[2]!.after(later);
    const alone = await proxy.nextCall();
    expect(alone.url.pathname).to.equal('/v1/shelves');
    expect(alone.body.shelves).to.deep.equal([{ placement: 'footer', items: [], limit: 8 }]);
  });

  it('gives each shelf of a failed batch its own reco-error, as a shelf alone would get', async () => {
    const shelves = await threeShelves();
    const errors = shelves.map((el) => oneEvent(el, 'reco-error'));
    (await proxy.nextCall()).fail();
    const details = (await Promise.all(errors)).map((e) => e.detail);
    expect(details).to.deep.equal(shelves.map(() => ({ code: 'RECO_PROXY_UNREACHABLE', error: 'Failed to fetch' })));
  });

  it("times a batch out at the shelves' timeout: each reports RECO_TIMEOUT, the request is aborted", async () => {
    const shelves = await threeShelves('timeout="30"');
    const errors = shelves.map((el) => oneEvent(el, 'reco-error'));
    const call = await proxy.nextCall();
    expect(call.url.pathname).to.equal('/v1/shelves');
    const details = (await Promise.all(errors)).map((e) => e.detail.code);
    expect(details).to.deep.equal(['RECO_TIMEOUT', 'RECO_TIMEOUT', 'RECO_TIMEOUT']);
    expect(call.aborted).to.equal(true);
  });

  it('still answers the other shelves when one leaves the page while the batch is in flight', async () => {
    const shelves = await threeShelves();
    const call = await proxy.nextCall();
    shelves[0]!.remove();
    expect(call.aborted).to.equal(false);
    const loaded = oneEvent(shelves[2]!, 'reco-load');
    answerShelves(call, shelfAnswer);
    expect(((await loaded) as CustomEvent<RecoLoadDetail>).detail.requestId).to.equal('batch-2');
  });
});
