import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { nothing } from 'lit';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecoShelf } from './reco-shelf.ts';
import { fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { products, recoResponse } from '../test/products.ts';
import { readmeBlock } from '../test/readme.ts';
import { $, cards, frames, loadedShelf } from '../test/shelf-helpers.ts';

let proxy: FakeProxy;
beforeEach(() => (proxy = fakeProxy()));
afterEach(() => proxy.restore());

/** Sum of layout-shift scores while `during` runs (PerformanceObserver on `layout-shift`). */
async function layoutShift(during: () => Promise<void>): Promise<number> {
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { value: number })[]) total += e.value;
  });
  observer.observe({ type: 'layout-shift' });
  await during();
  await frames();
  for (const e of observer.takeRecords() as (PerformanceEntry & { value: number })[]) total += e.value;
  observer.disconnect();
  return total;
}

const page = (shelf: ReturnType<typeof html>) =>
  html`<main style="width:760px">${shelf}<p id="below" style="height:400px;margin:0">Page content below</p></main>`;

async function answered(body: unknown, attrs = html`<reco-shelf loading="eager" placement="home"></reco-shelf>`) {
  const wrap = await fixture(page(attrs));
  const el = wrap.querySelector('reco-shelf')!;
  const below = wrap.querySelector('#below')!;
  const top = below.getBoundingClientRect().top;
  const shift = await layoutShift(async () => {
    const settled = Promise.race([oneEvent(el, 'reco-load'), oneEvent(el, 'reco-error')]);
    const call = await proxy.nextCall();
    if (body instanceof Error) call.fail();
    else call.respond(body);
    await settled;
    await el.updateComplete;
  });
  return { el, shift, moved: below.getBoundingClientRect().top - top };
}

describe('reco-shelf and layout shift', () => {
  it('causes no layout shift when the answer replaces the skeleton', async () => {
    const { el, shift, moved } = await answered(recoResponse());
    expect([shift, moved]).to.deep.equal([0, 0]);
    expect(el.getBoundingClientRect().height).to.equal(326, 'README documents 326px for the default carousel');
  });

  it('causes no layout shift with add-to-cart buttons, at the documented 370px', async () => {
    const { el, shift, moved } = await answered(
      recoResponse(),
      html`<reco-shelf loading="eager" placement="home" add-to-cart></reco-shelf>`,
    );
    expect([shift, moved, el.getBoundingClientRect().height]).to.deep.equal([0, 0, 370]);
  });

  it('causes no layout shift on a fallback answer with fewer items, in a grid', async () => {
    const { shift, moved } = await answered(
      recoResponse(products.slice(0, 3), { source: 'fallback', fallbackReason: 'timeout' }),
      html`<reco-shelf loading="eager" placement="home" layout="grid"></reco-shelf>`,
    );
    expect([shift, moved]).to.deep.equal([0, 0]);
  });

  it('causes no layout shift when empty or failing while on screen, and collapses once scrolled away', async () => {
    for (const body of [recoResponse([]), new Error('down')]) {
      const { el, shift, moved } = await answered(body);
      expect([shift, moved]).to.deep.equal([0, 0]);
      expect(el.shadowRoot!.textContent!.trim()).to.equal('');
      el.parentElement!.style.paddingBottom = '3000px';
      window.scrollTo(0, 2000);
      await waitUntil(() => el.getBoundingClientRect().height === 0, 'collapses off screen');
      window.scrollTo(0, 0);
      el.parentElement!.remove();
    }
  });
});

describe("reco-shelf heights, as the README's formulas give them", () => {
  /** widget/README.md "Heights to reserve", for a grid `width` px wide. */
  function gridHeight(width: number, limit: number, cart: boolean, W = 176, G = 16): number {
    const n = Math.max(1, Math.floor((width - 8 + G) / (W + G)));
    const w = (width - 8 - (n - 1) * G) / n;
    const r = Math.ceil(limit / n);
    return 60 + r * (w + 90 + (cart ? 44 : 0)) + (r - 1) * G;
  }

  it('matches the reservation the README gives for its theming example', async () => {
    const theme = document.createElement('style');
    theme.textContent = await readmeBlock('theming-example');
    document.head.append(theme);
    try {
      const reserved = Number(/height:\s*(\d+)px/.exec(await readmeBlock('theming-reservation'))![1]);
      const el = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
      expect(el.getBoundingClientRect().height).to.equal(reserved);
    } finally {
      theme.remove();
    }
  });

  for (const [width, limit, cart] of [
    [760, 8, false],
    [500, 5, true],
    [1000, 12, false],
    [150, 2, false],
  ] as const) {
    it(`matches the grid formula ${width}px wide with ${limit} items${cart ? ' and cart buttons' : ''}`, async () => {
      const el = await loadedShelf(
        proxy,
        html`<reco-shelf loading="eager" placement="home" layout="grid" limit=${limit}
          add-to-cart=${cart ? '' : nothing} style="width:${width}px"></reco-shelf>`,
        recoResponse(products.slice(0, limit)),
      );
      expect(el.getBoundingClientRect().height).to.be.closeTo(gridHeight(width, limit, cart), 1);
    });
  }
});

describe('reco-shelf on a hostile legacy page', () => {
  it('keeps its look under aggressive global !important CSS', async () => {
    const reference = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    const size = (el: RecoShelf) => {
      const card = cards(el)[0]!.getBoundingClientRect();
      return [card.width, card.height, getComputedStyle(cards(el)[0]!.querySelector('.reco-title')!).fontSize];
    };
    const expected = size(reference);
    const hostile = document.createElement('style');
    hostile.textContent = `* { display: inline !important; font: 40px/3 "Comic Sans MS", cursive !important;
      color: red !important;
      letter-spacing: 6px !important; text-transform: lowercase !important; box-sizing: content-box !important; }
      img { width: 100% !important; height: auto !important; }
      ul, li { display: inline !important; padding: 20px !important; }`;
    document.head.append(hostile);
    try {
      const el = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
      expect(size(el)).to.deep.equal(expected);
      const title = getComputedStyle(cards(el)[0]!.querySelector('.reco-title')!);
      expect([title.color, title.letterSpacing, title.textTransform]).to.deep.equal([
        'rgb(31, 35, 40)',
        'normal',
        'none',
      ]);
      expect(getComputedStyle(el).display).to.equal('block');
    } finally {
      hostile.remove();
    }
  });
});

describe('reco-shelf in a table-layout page', () => {
  it("takes the width of its table cell instead of stretching the table to the carousel's scroll width", async () => {
    const table = await fixture<HTMLTableElement>(html`<table style="width: 600px; border-collapse: collapse"><tr>
      <td style="width: 150px">menu</td><td id="content"></td></tr></table>`);
    const loaded = loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home" limit="8"></reco-shelf>`);
    const el = await loaded;
    table.querySelector('#content')!.append(el);
    await frames();
    expect(table.getBoundingClientRect().width).to.equal(600);
    expect(el.getBoundingClientRect().width).to.be.within(440, 452);
    expect(cards(el).length).to.equal(8);
  });
});

describe('reco-shelf keyboard and motion', () => {
  it('moves focus between cards with arrows, Home and End, with a visible focus ring', async () => {
    const el = await loadedShelf(proxy, html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    const links = cards(el).map((c) => c.querySelector('a')!);
    links[0]!.focus();
    const active = () => el.shadowRoot!.activeElement;
    await sendKeys({ press: 'ArrowRight' });
    expect(active()).to.equal(links[1]);
    await sendKeys({ press: 'End' });
    expect(active()).to.equal(links[7]);
    await sendKeys({ press: 'ArrowLeft' });
    expect(active()).to.equal(links[6]);
    await sendKeys({ press: 'Home' });
    expect(active()).to.equal(links[0]);
    await sendKeys({ press: 'Tab' });
    expect(active()).to.equal(links[1], 'Tab still walks the cards in order');
    expect(getComputedStyle(links[1]!).outlineStyle).to.equal('solid');
  });

  it('pages with the next/previous buttons and disables them at the ends', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" style="width:500px"></reco-shelf>`,
    );
    const [prev, next] = Array.from(el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="nav-button"]'));
    // The edges are measured after layout (a ResizeObserver), so the first frame may still say "both".
    await waitUntil(() => next!.getAttribute('aria-disabled') === 'false', 'more cards than fit: next enabled');
    expect(prev!.getAttribute('aria-disabled')).to.equal('true');
    next!.click();
    await waitUntil(() => prev!.getAttribute('aria-disabled') === 'false', 'scrolled forward');
    expect($(el, '.reco-list')!.scrollLeft).to.be.greaterThan(0);
  });

  it('shows a new answer in a new list, scrolled back to the start', async () => {
    const el = await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" style="width:500px"></reco-shelf>`,
    );
    const first = $(el, '.reco-list')!;
    const firstCard = cards(el)[0];
    first.scrollLeft = 400;
    await waitUntil(() => first.scrollLeft > 0, 'scrolled forward');
    el.setAttribute('items', '22752');
    const loaded = oneEvent(el, 'reco-load');
    (await proxy.nextCall()).respond(recoResponse(products.slice(3, 9)));
    await loaded;
    await el.updateComplete;
    const list = $(el, '.reco-list')!;
    expect(list).to.not.equal(first, 'a new list element');
    expect(cards(el)[0]).to.not.equal(firstCard, 'new cards');
    expect(cards(el)[0]!.querySelector('.reco-title')!.textContent).to.equal(products[3]!.title);
    expect(list.scrollLeft).to.equal(0);
    // Re-renders of the same answer keep its list (the impression tracker watches its cards).
    el.requestUpdate();
    await el.updateComplete;
    expect($(el, '.reco-list')).to.equal(list);
  });

  it('honours prefers-reduced-motion: no smooth scrolling, no shimmer', async () => {
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
      expect(getComputedStyle($(el, '.reco-skeleton')!).animationName).to.equal('none');
      expect(getComputedStyle($(el, '.reco-list')!).scrollBehavior).to.equal('auto');
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
    const moving = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    expect(getComputedStyle($(moving, '.reco-skeleton')!).animationName).to.equal('shimmer');
  });
});

describe('reco-shelf accessibility', () => {
  for (const layout of ['carousel', 'grid']) {
    it(`passes the axe check as a ${layout}, loaded and with cart buttons`, async () => {
      const el = await loadedShelf(
        proxy,
        html`<reco-shelf loading="eager" placement="home" layout=${layout} add-to-cart></reco-shelf>`,
      );
      await expect(el).to.be.accessible();
    });
  }

  it('passes the axe check while loading', async () => {
    const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home"></reco-shelf>`);
    await expect(el).to.be.accessible();
  });
});
