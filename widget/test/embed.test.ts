/**
 * The README's embed snippet on a page of its own: the space it reserves before the bundle
 * arrives, and what happens when the bundle never comes or the proxy is unreachable.
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { readmeBlock } from './readme.ts';

/** Nothing listens there on the test machine: connection refused, as with the proxy stopped. */
const STOPPED_PROXY = 'http://127.0.0.1:65534';

async function frame(body: string): Promise<Window> {
  const snippet = await readmeBlock('embed-snippet');
  const style = /<style>[\s\S]*?<\/style>/.exec(snippet)![0];
  const iframe = document.createElement('iframe');
  iframe.style.cssText = 'width:800px;height:500px;border:0';
  iframe.srcdoc = `<!doctype html><html><head>${style}</head><body style="margin:0">${body}</body></html>`;
  const loaded = oneEvent(iframe, 'load');
  document.body.append(iframe);
  await loaded;
  return iframe.contentWindow!;
}

const shelfMarkup = (attrs: string, empty = '<p slot="empty">Browse our new arrivals</p>') =>
  `<reco-shelf placement="home" ${attrs}><h3 slot="heading">New in this week</h3>${empty}</reco-shelf>` +
  '<p id="below" style="height:3000px;margin:0">Page</p>';

afterEach(() => {
  for (const f of document.querySelectorAll('iframe')) f.remove();
});

describe("the README's embed snippet", () => {
  it('reserves 326px before the bundle, hides the shelf children, and gives the space back after 4 s', async () => {
    const win = await frame(shelfMarkup(''));
    const shelf = win.document.querySelector('reco-shelf')!;
    expect(shelf.getBoundingClientRect().height).to.equal(326);
    for (const child of shelf.children) expect(child.getClientRects().length).to.equal(0, 'hidden until defined');
    // Jump to the release instead of waiting 4 s for it.
    const [release] = shelf.getAnimations();
    expect(release!.effect!.getComputedTiming().delay).to.equal(4000);
    release!.finish();
    expect(shelf.getBoundingClientRect().height).to.equal(0);
  });

  it('with the proxy stopped: keeps the space blank while seen, then collapses without moving the page', async () => {
    const record =
      '<script>errors = []; document.addEventListener("reco-error", (e) => errors.push(e.detail))</script>';
    const shelfAttrs = `loading="eager" endpoint="${STOPPED_PROXY}"`;
    const win = (await frame(
      `${record}<script src="/dist/reco-shelf.js"></script>${shelfMarkup(shelfAttrs, '')}`,
    )) as Window & {
      errors: { code: string }[];
    };
    const shelf = win.document.querySelector('reco-shelf')!;
    const below = win.document.querySelector('#below')!;
    await waitUntil(() => win.errors.length === 1, 'reco-error');
    expect(win.errors[0]!.code).to.equal('RECO_PROXY_UNREACHABLE');
    await (shelf as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
    expect(shelf.getBoundingClientRect().height).to.equal(326, 'no shift while the shopper looks at it');
    expect(shelf.shadowRoot!.textContent!.trim()).to.equal('');
    for (const child of shelf.children) expect(child.getClientRects().length).to.equal(0, 'no loose text');
    win.scrollTo(0, 1000);
    const top = below.getBoundingClientRect().top;
    await waitUntil(() => shelf.getBoundingClientRect().height === 0, 'collapses out of view');
    expect(below.getBoundingClientRect().top).to.equal(top, 'what the shopper sees does not move');
  });
});
