/**
 * The built bundle adopting a server-rendered shelf, with the script below the shelf (defined
 * after the parser attached the shadow root) and above it (defined first: the shelf waits for
 * the parser). Either way the server's cards stay and no request reaches the proxy's stand-in.
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';

const answer = {
  requestId: 'ssr-built',
  placement: 'home',
  source: 'model',
  fallbackReason: null,
  model: { version: 'v1', variant: 'model-a' },
  items: [{ id: '85123A', title: 'WHITE HANGING HEART T-LIGHT HOLDER', url: '/product/85123A' }],
};

/** A minimal fragment in the shape of interface 3 of #22 (one card, no styles). */
const fragment = (prefix: string) =>
  `<reco-shelf placement="home" loading="eager" layout="grid" endpoint="${location.origin}${prefix}" data-ssr` +
  ' data-request-id="ssr-built" data-source="model"><template shadowrootmode="open">' +
  '<section part="base" class="reco-base reco-grid" aria-labelledby="heading" aria-busy="false">' +
  '<div class="reco-header"><h2 id="heading" part="heading" class="reco-heading">Recommended for you</h2></div>' +
  '<ul id="list" part="list" class="reco-list" role="list"><li part="card" class="reco-card" data-i="0">' +
  '<a part="link" class="reco-link" href="/product/85123A"><span part="title" class="reco-title">WHITE HANGING' +
  ' HEART T-LIGHT HOLDER</span></a></li></ul></section></template>' +
  `<script type="application/json" data-reco-answer>${JSON.stringify(answer)}</script></reco-shelf>`;

async function page(body: string): Promise<Window & { loads: { requestId: string }[] }> {
  const iframe = document.createElement('iframe');
  const record = '<script>loads = []; document.addEventListener("reco-load", (e) => loads.push(e.detail))</script>';
  iframe.srcdoc = `<!doctype html><html><head>${record}</head><body>${body}</body></html>`;
  const loaded = oneEvent(iframe, 'load');
  document.body.append(iframe);
  await loaded;
  return iframe.contentWindow as Window & { loads: { requestId: string }[] };
}

afterEach(() => {
  for (const f of document.querySelectorAll('iframe')) f.remove();
});

const script = '<script src="/dist/reco-shelf.js"></script>';
for (const [where, body] of [
  ['below', (prefix: string) => fragment(prefix) + script],
  ['above', (prefix: string) => script + fragment(prefix)],
] as const) {
  it(`keeps the server's shelf with the script ${where} it: its cards, no request, reco-load`, async () => {
    const prefix = `/adopt-${where}`;
    const win = await page(body(prefix));
    await waitUntil(() => win.loads.length === 1, 'reco-load');
    expect(win.loads[0]!.requestId).to.equal('ssr-built');
    const shelf = win.document.querySelector('reco-shelf')!;
    expect(shelf.shadowRoot!.querySelectorAll('.reco-base')).to.have.length(1);
    expect(shelf.shadowRoot!.querySelector('.reco-title')!.textContent).to.contain('WHITE HANGING HEART');
    const seen = (await (await fetch(`/seen${prefix}`)).json()) as unknown[];
    expect(seen).to.deep.equal([]);
  });
}
