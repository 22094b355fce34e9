/**
 * The built script-tag bundle (dist/reco-shelf.js, made by `npm run build` before the
 * tests) in fresh pages (test/pages/*.html), included the ways storefronts include it.
 * The dev server's middleware answers POST /v1/shelves for these pages (see
 * web-test-runner.config.mjs).
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { readmeBlock } from './readme.ts';

type ProbeWindow = Window & {
  errors: string[];
  loads: unknown[];
  before: string[];
  customElements: CustomElementRegistry;
};

async function page(name: string): Promise<ProbeWindow> {
  const iframe = document.createElement('iframe');
  iframe.style.cssText = 'width:800px;height:500px;border:0';
  iframe.src = `/widget/test/pages/${name}.html`;
  const loaded = oneEvent(iframe, 'load');
  document.body.append(iframe);
  await loaded;
  return iframe.contentWindow as ProbeWindow;
}

const LIT_SHARED_GLOBALS = ['litElementVersions', 'litHtmlVersions', 'litPropertyMetadata', 'reactiveElementVersions'];

afterEach(() => {
  for (const frame of document.querySelectorAll('iframe')) frame.remove();
});

describe('the built bundle', () => {
  it('asks the origin the script was loaded from when no endpoint is set, and loads its chunk from there', async () => {
    const win = (await page('classic-other-origin')) as ProbeWindow & { impressions: string[] };
    await waitUntil(() => win.loads.length === 1, 'reco-load from the other origin');
    expect(win.loads[0]).to.include({ requestId: `bundle@localhost:${location.port}` });
    // The chunk is an import() from the script's origin: it needs that origin's CORS, as a module does.
    await waitUntil(() => win.impressions.length === 2, 'impressions, by the chunk from the other origin', {
      timeout: 3000,
    });
  });

  it('works when included twice as a classic script', async () => {
    const win = await page('classic-twice');
    await waitUntil(() => win.loads.length === 1, 'reco-load from the bundle');
    expect(win.errors).to.deep.equal([]);
    expect(win.loads[0]).to.deep.equal({
      source: 'fallback',
      fallbackReason: 'timeout',
      requestId: `bundle@${location.host}`,
      count: 2,
    });
    const el = win.document.querySelector('reco-shelf')!;
    await waitUntil(
      () => el.shadowRoot!.querySelectorAll('li.reco-card:not(.reco-skeleton)').length === 2,
      'cards render',
    );
    expect(el.shadowRoot!.querySelector('.reco-title')!.textContent).to.equal('WHITE HANGING HEART T-LIGHT HOLDER');
  });

  it('works as a module, and alongside a classic copy of itself', async () => {
    for (const name of ['module', 'module-and-classic']) {
      const win = await page(name);
      await waitUntil(() => win.loads.length === 1, 'reco-load from the module');
      expect(win.errors).to.deep.equal([]);
    }
  });

  it('warns the developer in reco-shelf.dev.js, and not in the production reco-shelf.js', async () => {
    for (const [file, expected] of [
      ['reco-shelf.dev.js', ['RECO_UNKNOWN_ATTRIBUTE']],
      ['reco-shelf.js', []],
    ] as const) {
      const iframe = document.createElement('iframe');
      iframe.srcdoc = `<script>warnings = []; console.warn = (text) => String(text).startsWith('<reco-shelf>')
        && warnings.push(text)</script><script src="/dist/${file}"></script><reco-shelf placement="home" userId="7">`;
      const loaded = oneEvent(iframe, 'load');
      document.body.append(iframe);
      await loaded;
      const win = iframe.contentWindow as Window & { warnings: string[] };
      expect(win.customElements.get('reco-shelf'), file).to.be.a('function');
      expect(
        win.warnings.map((w) => /RECO_[A-Z_]+/.exec(w)?.[0]),
        file,
      ).to.deep.equal(expected);
    }
  });

  it('loads its second chunk only once the cards come into view, after the first paint', async () => {
    const iframe = document.createElement('iframe');
    iframe.style.cssText = 'width:800px;height:500px;border:0';
    iframe.srcdoc = `<script>loads = []; seen = []; errors = [];
      addEventListener('error', (e) => errors.push(e.message));
      document.addEventListener('reco-load', (e) => loads.push(e.detail));
      document.addEventListener('reco-impression', (e) => seen.push(e.detail.item.id))</script>
      <script src="/dist/reco-shelf.js"></script><div style="height:3000px"></div>
      <reco-shelf loading="eager" placement="home"></reco-shelf>`;
    const loaded = oneEvent(iframe, 'load');
    document.body.append(iframe);
    await loaded;
    const win = iframe.contentWindow as ProbeWindow & { seen: string[] };
    const chunkRequests = () =>
      win.performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/dist/reco-shelf.extras.js'));
    await waitUntil(() => win.loads.length === 1, 'reco-load');
    const el = win.document.querySelector('reco-shelf')!;
    await waitUntil(() => el.shadowRoot!.querySelectorAll('li.reco-card:not(.reco-skeleton)').length === 2, 'cards');
    await new Promise((r) => setTimeout(r, 100));
    expect(chunkRequests()).to.have.length(0, 'no chunk while the shelf is out of view');
    (el as HTMLElement & { impressionDwell: number }).impressionDwell = 0;
    el.scrollIntoView();
    await waitUntil(() => chunkRequests().length === 1, 'the chunk is fetched when the cards show');
    const [firstPaint] = win.performance.getEntriesByType('paint');
    if (firstPaint) expect(chunkRequests()[0]!.startTime).to.be.greaterThan(firstPaint.startTime);
    await waitUntil(() => win.seen.length === 2, 'impressions, counted by the chunk', { timeout: 3000 });
    expect(win.errors).to.deep.equal([]);
  });

  it('works without its second chunk: default cards for a <template>, links, no card events, no error', async () => {
    const iframe = document.createElement('iframe');
    iframe.style.cssText = 'width:800px;height:500px;border:0';
    iframe.srcdoc = `<script>loads = []; clicks = []; errors = [];
      addEventListener('error', (e) => errors.push(e.message));
      addEventListener('unhandledrejection', (e) => errors.push(String(e.reason)));
      document.addEventListener('reco-load', (e) => loads.push(e.detail));
      document.addEventListener('reco-click', (e) => { e.preventDefault(); clicks.push(e.detail.item.id) });
      document.addEventListener('reco-add-to-cart', (e) => clicks.push('cart ' + e.detail.item.id))</script>
      <script src="/no-chunk/reco-shelf.js"></script>
      <reco-shelf loading="eager" placement="home" add-to-cart data-layer
        ><template><a data-reco="url"><b data-reco="title"></b></a></template></reco-shelf>`;
    const loaded = oneEvent(iframe, 'load');
    document.body.append(iframe);
    await loaded;
    const win = iframe.contentWindow as ProbeWindow & { clicks: string[]; dataLayer?: unknown[] };
    await waitUntil(() => win.loads.length === 1, 'reco-load');
    const el = win.document.querySelector('reco-shelf')!;
    await waitUntil(() => el.shadowRoot!.querySelectorAll('li.reco-card:not(.reco-skeleton)').length === 2, 'cards');
    const [card] = el.shadowRoot!.querySelectorAll('li.reco-card');
    expect(card!.querySelector('.reco-title')!.textContent).to.equal('WHITE HANGING HEART T-LIGHT HOLDER');
    expect(el.getBoundingClientRect().height).to.equal(326 + 44, 'the default card with its button, no hole');
    const chunk = () => win.performance.getEntriesByType('resource').filter((r) => r.name.endsWith('extras.js'));
    await waitUntil(() => chunk().length === 1, 'the chunk was asked for (and failed)');
    // The link is a plain link (clicking it would take the frame away); the card events come with the chunk.
    expect(card!.querySelector('a')!.href).to.equal(new URL('/product/85123A', location.href).href);
    card!.querySelector('button')!.click();
    await new Promise((r) => setTimeout(r, 100));
    expect(win.clicks, 'no card events without the chunk').to.deep.equal([]);
    expect(win.dataLayer, 'no GA4 without the chunk').to.equal(undefined);
    expect(win.errors).to.deep.equal([]);
  });

  it('reports a click and an add-to-cart made before the second chunk arrived, once it has', async () => {
    const id = Math.random().toString(36).slice(2);
    const iframe = document.createElement('iframe');
    iframe.style.cssText = 'width:800px;height:500px;border:0';
    // The page keeps the link's click on this page itself: reco-click comes too late to cancel it.
    iframe.srcdoc = `<script>loads = []; clicks = [];
      document.addEventListener('click', (e) => e.preventDefault());
      document.addEventListener('reco-load', (e) => loads.push(e.detail));
      document.addEventListener('reco-click', (e) => clicks.push(e.detail.item.id));
      document.addEventListener('reco-add-to-cart', (e) => clicks.push('cart ' + e.detail.item.id))</script>
      <script src="/slow-chunk-${id}/reco-shelf.js"></script>
      <reco-shelf loading="eager" placement="home" add-to-cart></reco-shelf>`;
    const loaded = oneEvent(iframe, 'load');
    document.body.append(iframe);
    await loaded;
    const win = iframe.contentWindow as ProbeWindow & { clicks: string[] };
    await waitUntil(() => win.loads.length === 1, 'reco-load');
    const el = win.document.querySelector('reco-shelf')!;
    await waitUntil(() => el.shadowRoot!.querySelectorAll('li.reco-card:not(.reco-skeleton)').length === 2, 'cards');
    // The chunk (asked for once the cards are in view, or by the click) is held by the stand-in.
    const [card] = el.shadowRoot!.querySelectorAll('li.reco-card');
    card!.querySelector('a')!.click();
    card!.querySelector('button')!.click();
    expect(win.clicks, 'nothing before the chunk').to.deep.equal([]);
    await waitUntil(
      async () => (await fetch(`/release/${id}`)).status === 204,
      'the chunk was asked for, and released',
    );
    await waitUntil(() => win.clicks.length === 2, 'both reported once the chunk arrived');
    expect(win.clicks).to.deep.equal(['85123A', 'cart 85123A']);
  });

  it("sends the shopper's token to another origin in a POST body: nothing in the URL, no preflight", async () => {
    // A path of its own on the stand-in, whose record (by path) says what reached the wire.
    const prefix = `/probe-${Math.random().toString(36).slice(2)}`;
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxNzg1MCJ9.c2lnbmF0dXJl';
    const iframe = document.createElement('iframe');
    iframe.srcdoc = `<script>loads = []; document.addEventListener('reco-load', (e) => loads.push(e.detail))</script>
      <script src="/dist/reco-shelf.js"></script>
      <reco-shelf loading="eager" placement="home" endpoint="http://localhost:${location.port}${prefix}"
        shopper-token="${token}"></reco-shelf>`;
    const loaded = oneEvent(iframe, 'load');
    document.body.append(iframe);
    await loaded;
    const win = iframe.contentWindow as ProbeWindow;
    await waitUntil(() => win.loads.length === 1, 'reco-load from the other origin');
    const seen = (await (await fetch(`/seen${prefix}`)).json()) as Array<Record<string, string>>;
    expect(seen.map((r) => r.method)).to.deep.equal(['POST'], 'one POST, and no OPTIONS preflight before it');
    expect(seen[0]!.url).to.equal(`${prefix}/v1/shelves`);
    expect(seen[0]!.type).to.match(/^text\/plain/);
    const sent = JSON.parse(seen[0]!.body!) as { shelves: { placement: string }[]; shopperToken: string };
    expect(sent.shelves.map((s) => s.placement)).to.deep.equal(['home']);
    expect(sent.shopperToken).to.equal(token);
  });

  it("README's UK/EU setup: nothing on the device, no beacon until the banner grants consent", async () => {
    const prefix = `/consent-${Math.random().toString(36).slice(2)}`;
    localStorage.removeItem('reco-shelf.sid'); // the frame shares this origin's storage
    const iframe = document.createElement('iframe');
    iframe.style.cssText = 'width:800px;height:500px;border:0';
    // Every use of localStorage and document.cookie is recorded before the script runs.
    iframe.srcdoc = `<script>loads = []; clicks = []; used = [];
      for (const name of ['getItem', 'setItem', 'removeItem']) {
        const own = Storage.prototype[name];
        Storage.prototype[name] = function (...args) { used.push(name + ' ' + args[0]); return own.apply(this, args); };
      }
      const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
      Object.defineProperty(document, 'cookie', {
        get() { used.push('cookie read'); return cookie.get.call(this); },
        set(v) { used.push('cookie write'); cookie.set.call(this, v); },
      });
      document.addEventListener('reco-load', (e) => loads.push(e.detail));
      document.addEventListener('reco-click', (e) => { e.preventDefault(); clicks.push(e.detail.item.id) })</script>
      ${(await readmeBlock('consent-setup'))
        .replace(/src="[^"]*"/, 'src="/dist/reco-shelf.js"')
        .replace(
          '<reco-shelf',
          `<reco-shelf loading="eager" data-layer endpoint="http://localhost:${location.port}${prefix}"`,
        )}`;
    const loaded = oneEvent(iframe, 'load');
    document.body.append(iframe);
    await loaded;
    const win = iframe.contentWindow as ProbeWindow & {
      clicks: string[];
      used: string[];
      dataLayer?: unknown[];
    };
    await waitUntil(() => win.loads.length === 1, 'reco-load');
    const el = win.document.querySelector('reco-shelf')!;
    await waitUntil(() => el.shadowRoot!.querySelectorAll('li.reco-card:not(.reco-skeleton)').length === 2, 'cards');
    const chunk = () =>
      (win.performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) =>
        r.name.endsWith('extras.js'),
      );
    await waitUntil(() => chunk().length === 1 && chunk()[0]!.responseEnd > 0, 'the second chunk arrived');
    const seen = async () => (await (await fetch(`/seen${prefix}`)).json()) as Array<Record<string, string>>;
    const click = async (i: number) => {
      const clicked = win.clicks.length;
      el.shadowRoot!.querySelectorAll('li.reco-card a')[i]!.dispatchEvent(
        new MouseEvent('click', { bubbles: true, composed: true, cancelable: true }),
      );
      await waitUntil(() => win.clicks.length > clicked, 'reco-click');
    };
    await click(0);
    win.dispatchEvent(new PageTransitionEvent('pagehide'));
    const request = (await seen())[0]!;
    expect(request.url).to.equal(`${prefix}/v1/shelves`);
    expect(JSON.parse(request.body!)).to.not.have.property('sessionId');
    expect(win.used, 'no localStorage or cookie use').to.deep.equal([]);
    expect(win.dataLayer, 'no GA4 push').to.equal(undefined);

    // The README's banner hook.
    (win as unknown as { onConsent(allowed: boolean): void }).onConsent(true);
    await win.customElements.whenDefined('reco-shelf'); // after the hook's own whenDefined().then
    await click(1);
    win.dispatchEvent(new PageTransitionEvent('pagehide'));
    await waitUntil(async () => (await seen()).length === 2, 'the beacon after consent reaches the proxy');
    const [, beacon] = await seen();
    expect(beacon!.url).to.equal(`${prefix}/v1/events`);
    const { events } = JSON.parse(beacon!.body!) as { events: { type: string; itemId: string; sessionId: string }[] };
    expect(events.map((e) => [e.type, e.itemId])).to.deep.equal([['click', '71053']], 'only what came after consent');
    expect(win.used).to.include('setItem reco-shelf.sid');
    expect(events[0]!.sessionId).to.equal(win.localStorage.getItem('reco-shelf.sid'));
  });

  it('claims no globals but its element name and the registry Lit shares between components', async () => {
    const win = await page('globals');
    const added = Object.getOwnPropertyNames(win).filter((name) => !win.before.includes(name));
    expect(added.sort()).to.deep.equal(LIT_SHARED_GLOBALS);
    expect(win.customElements.get('reco-shelf')).to.be.a('function');
  });
});
