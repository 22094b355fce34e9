import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import type { TemplateResult } from 'lit';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecoShelf } from './reco-shelf.ts';
import { styles } from './reco-shelf.styles.ts';
import { flushEvents, pendingEvents } from './event-beacon.ts';
import { loadExtras } from './extras-loader.ts';
import { fakeBeacon, fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { products, recoResponse } from '../test/products.ts';
import { frames, loadedShelf } from '../test/shelf-helpers.ts';
import type { RecoItemDetail, RecoResponse } from './types.ts';

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

const answer = recoResponse(products.slice(0, 4), {
  requestId: 'ssr-7',
  model: { version: '2026-12-01', variant: 'model-b' },
});

/**
 * A server-rendered shelf as interface 4 of #22 describes it, made here from the element's own
 * rendering of `body` (until the server's renderer is in this branch): its shadow DOM in a
 * declarative shadow root with the styles, and the answer in a `data-reco-answer` block.
 */
async function serverFragment(shelf: TemplateResult, attributes: string, body: RecoResponse): Promise<string> {
  const own = await loadedShelf(proxy, shelf, body);
  const shadow = own.shadowRoot!.innerHTML;
  own.remove();
  proxy.calls.length = 0;
  const json = JSON.stringify(body).replace(/</g, '\\u003c');
  return (
    `<reco-shelf ${attributes} data-ssr data-request-id="${body.requestId}" data-source="${body.source}">` +
    `<template shadowrootmode="open"><style>${styles.cssText}</style>${shadow}</template>` +
    `<script type="application/json" data-reco-answer>${json}</script></reco-shelf>`
  );
}

/** Parses the fragment off the page (the element upgrades, unconnected), then places it. */
async function placeFragment(markup: string, dwell = 1000): Promise<{ el: RecoShelf; cardsBefore: Element[] }> {
  const holder = document.createElement('div');
  holder.setHTMLUnsafe(markup);
  const el = holder.querySelector('reco-shelf') as RecoShelf;
  el.impressionDwell = dwell;
  const cardsBefore = [...el.shadowRoot!.querySelectorAll('li.reco-card')];
  const page = await fixture<HTMLElement>(html`<div></div>`);
  page.append(holder);
  return { el, cardsBefore };
}

describe('reco-shelf adopting a server-rendered shelf', () => {
  it('keeps the server DOM: no request, the same card nodes, no shift, reco-load from the answer', async () => {
    const markup = await serverFragment(
      html`<reco-shelf loading="eager" placement="home" add-to-cart></reco-shelf>`,
      'placement="home" add-to-cart',
      answer,
    );
    const holder = document.createElement('div');
    holder.setHTMLUnsafe(markup);
    const el = holder.querySelector('reco-shelf') as RecoShelf;
    const cardsBefore = [...el.shadowRoot!.querySelectorAll('li.reco-card')];
    expect(cardsBefore).to.have.length(4);
    const page = await fixture<HTMLElement>(html`<div></div>`);
    const loaded = oneEvent(el, 'reco-load');
    page.append(holder);
    const rect = JSON.stringify(cardsBefore[3]!.getBoundingClientRect());
    const height = el.getBoundingClientRect().height;
    expect(height).to.be.greaterThan(200);
    expect((await loaded).detail).to.deep.equal({
      source: 'model',
      fallbackReason: null,
      requestId: 'ssr-7',
      count: 4,
    });
    await el.updateComplete;
    await frames();
    expect(proxy.calls).to.have.length(0, 'no request for an adopted shelf');
    expect([...el.shadowRoot!.querySelectorAll('li.reco-card')]).to.deep.equal(cardsBefore);
    expect(JSON.stringify(cardsBefore[3]!.getBoundingClientRect())).to.equal(rect);
    expect(el.getBoundingClientRect().height).to.equal(height);
  });

  it('reports clicks, add-to-cart, impressions and GA4 on server cards with the answer they came with', async () => {
    const markup = await serverFragment(
      html`<reco-shelf loading="eager" placement="home" add-to-cart data-layer></reco-shelf>`,
      'placement="home" add-to-cart data-layer',
      answer,
    );
    const w = window as unknown as { dataLayer?: Record<string, unknown>[] };
    w.dataLayer = [];
    const { el, cardsBefore } = await placeFragment(markup, 0);
    const impressions: string[] = [];
    el.addEventListener('reco-impression', (e) =>
      impressions.push((e as CustomEvent<RecoItemDetail>).detail.requestId),
    );
    await waitUntil(() => w.dataLayer!.some((p) => p.event === 'view_item_list'), 'a view_item_list push');
    await waitUntil(() => impressions.length > 0, 'impressions');
    expect(impressions.every((r) => r === 'ssr-7')).to.equal(true);

    const clicked = oneEvent(el, 'reco-click');
    el.addEventListener('reco-click', (e) => e.preventDefault());
    cardsBefore[1]!.querySelector('a')!.click();
    const click = (await clicked) as CustomEvent<RecoItemDetail>;
    expect([click.detail.item.id, click.detail.position, click.detail.requestId]).to.deep.equal([
      products[1]!.id,
      1,
      'ssr-7',
    ]);
    const carted = oneEvent(el, 'reco-add-to-cart');
    cardsBefore[2]!.querySelector<HTMLButtonElement>('[data-reco="add-to-cart"]')!.click();
    expect(((await carted) as CustomEvent<RecoItemDetail>).detail.item.id).to.equal(products[2]!.id);

    const events = pendingEvents();
    expect(new Set(events.map((e) => e.type))).to.deep.equal(new Set(['impression', 'click', 'add_to_cart']));
    expect(events.every((e) => e.requestId === 'ssr-7' && e.variant === 'model-b' && e.source === 'model')).to.equal(
      true,
    );
    const pushed = w.dataLayer!.map((p) => p.event).filter(Boolean);
    expect(pushed).to.include.members(['view_item_list', 'select_item', 'add_to_cart']);
    expect(proxy.calls).to.have.length(0);
  });

  it('asks and renders for itself once an attribute that changes the request changes', async () => {
    const markup = await serverFragment(
      html`<reco-shelf loading="eager" placement="home"></reco-shelf>`,
      'placement="home" loading="eager"',
      answer,
    );
    const { el, cardsBefore } = await placeFragment(markup);
    await el.updateComplete;
    el.setAttribute('items', '22752');
    const call = await proxy.nextCall();
    expect(call.body.shelves).to.have.deep.nested.property('[0].items', ['22752']);
    const loaded = oneEvent(el, 'reco-load');
    call.respond(recoResponse(products.slice(6, 9), { requestId: 'fresh' }));
    await loaded;
    await el.updateComplete;
    const now = [...el.shadowRoot!.querySelectorAll('li.reco-card')];
    expect(now).to.have.length(3);
    expect(now.some((c) => cardsBefore.includes(c))).to.equal(false);
    expect(el.shadowRoot!.querySelectorAll('.reco-base')).to.have.length(1);
  });

  it('asks and renders for itself, without the server nodes, when the fragment has no readable answer', async () => {
    const markup = await serverFragment(
      html`<reco-shelf loading="eager" placement="home"></reco-shelf>`,
      'placement="home" loading="eager"',
      answer,
    );
    const { el } = await placeFragment(markup.replace(/<script[\s\S]*<\/script>/, ''));
    const loaded = oneEvent(el, 'reco-load');
    (await proxy.nextCall()).respond(recoResponse(products.slice(0, 2), { requestId: 'own' }));
    expect((await loaded).detail.requestId).to.equal('own');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelectorAll('.reco-base')).to.have.length(1);
    expect(el.shadowRoot!.querySelectorAll('li.reco-card')).to.have.length(2);
  });
});
