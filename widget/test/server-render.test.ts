/**
 * The server's fragment (server/shelf/shelf-html.ts) against the element's own rendering of the same
 * answer: the same shadow DOM (element names, attributes, text; Lit's comment markers and whitespace
 * aside) and the same boxes (no layout shift when one replaces the other). The fragment is parsed as a
 * page parses it, in an iframe with scripts off (a sandbox without `allow-scripts`: JavaScript off), so
 * the element never upgrades or adopts it; the element renders from the fake proxy as in the other
 * tests, with the attributes the fragment gave its host.
 */
import { expect, oneEvent } from '@open-wc/testing';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecommendationAnswer } from '../../server/shelf/shelf-service.ts';
import { renderShelfHtml, shelfCss, shelfStyleHash, type ShelfDisplay } from '../../server/shelf/shelf-html.ts';
import { styles } from '../reco-shelf/reco-shelf.styles.ts';
import type { RecoShelf } from '../reco-shelf/reco-shelf.ts';
import { fakeProxy, type FakeProxy, type ProxyCall } from './fake-proxy.ts';
import { products } from './products.ts';
import { readmeBlock } from './readme.ts';
import { frames } from './shelf-helpers.ts';

let proxy: FakeProxy;
const cleanup: Element[] = [];
beforeEach(() => (proxy = fakeProxy()));
afterEach(() => {
  proxy.restore();
  for (const el of cleanup.splice(0)) el.remove();
});

const width = 760;

function answer(items: RecommendationAnswer['items'], over: Partial<RecommendationAnswer> = {}): RecommendationAnswer {
  return {
    requestId: 'req-ssr-1',
    placement: 'home',
    source: 'model',
    fallbackReason: null,
    model: { version: '2026-11-30', variant: 'model-a' },
    resolvers: ['model'],
    items,
    ...over,
  };
}

/** The fragment as a page without JavaScript shows it: parsed by the HTML parser, laid out, never upgraded. */
async function serverShelf(fragment: string, csp = '', head = ''): Promise<{ host: HTMLElement; doc: Document }> {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-same-origin');
  frame.width = String(width);
  frame.height = '900';
  frame.style.border = '0';
  const meta = csp && `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
  frame.srcdoc = `<!doctype html><html lang="en"><head>${meta}${head}</head><body>${fragment}</body></html>`;
  const loaded = oneEvent(frame, 'load');
  document.body.append(frame);
  cleanup.push(frame);
  await loaded;
  const doc = frame.contentDocument!;
  // The body's margin, here and not in a style attribute, which the CSP test's policy would refuse.
  doc.body.style.margin = '0';
  return { host: doc.querySelector('reco-shelf')!, doc };
}

/** The element, with the attributes the fragment gave its host, answered (or not) through the fake proxy. */
async function clientShelf(host: HTMLElement, body: RecommendationAnswer | undefined): Promise<RecoShelf> {
  const wrap = document.createElement('div');
  wrap.style.width = `${width}px`;
  const el = document.createElement('reco-shelf');
  for (const { name, value } of host.attributes) if (!name.startsWith('data-')) el.setAttribute(name, value);
  el.setAttribute('loading', 'eager');
  wrap.append(el);
  document.body.append(wrap);
  cleanup.push(wrap);
  const call: ProxyCall = await proxy.nextCall();
  if (body) {
    const loaded = oneEvent(el, 'reco-load');
    call.respond(body);
    await loaded;
  }
  await el.updateComplete;
  await frames();
  return el;
}

/**
 * A shadow tree as lines: each element with its attributes sorted, each text trimmed; comments (Lit's
 * markers), whitespace-only text and the `<style>` left out. URLs compared as the page resolves them;
 * an empty `style` (the element's unused min-height hold) counts as none; the previous/next buttons'
 * `aria-disabled` follows the list's scroll position, which the element measures after layout.
 */
function shape(root: ParentNode, base: string, depth = 0): string[] {
  const lines: string[] = [];
  const pad = '  '.repeat(depth);
  for (const node of root.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent!.replace(/\s+/g, ' ').trim();
      if (text) lines.push(`${pad}"${text}"`);
    } else if (node.nodeType === Node.ELEMENT_NODE && (node as Element).localName !== 'style') {
      const el = node as Element;
      const attrs = [...el.attributes]
        .filter((a) => !(a.name === 'style' && a.value === ''))
        .map((a) => {
          let value = a.value;
          if (a.name === 'href' || a.name === 'src') value = new URL(value, base).href;
          if (a.name === 'srcset') {
            value = value
              .split(',')
              .map((c) => c.trim().split(/\s+/))
              .map(([url, d]) => [new URL(url!, base).href, d].filter(Boolean).join(' '))
              .join(', ');
          }
          if (a.name === 'aria-disabled' && el.getAttribute('part') === 'nav-button') value = '(measured)';
          return `${a.name}="${value}"`;
        })
        .sort();
      lines.push(`${pad}<${el.namespaceURI === 'http://www.w3.org/2000/svg' ? 'svg:' : ''}${el.localName}`);
      for (const a of attrs) lines.push(`${pad}    ${a}`);
      lines.push(...shape(el, base, depth + 1));
    }
  }
  return lines;
}

/**
 * Every box of the shadow tree, relative to the host: where the fragment put it is where the element does
 * (a `<slot>` has no box of its own).
 */
function boxes(host: HTMLElement): string[] {
  const origin = host.getBoundingClientRect();
  const all = [host, ...host.shadowRoot!.querySelectorAll('*')].filter(
    (el) => !['style', 'slot'].includes(el.localName),
  );
  return all.map((el) => {
    const r = el.getBoundingClientRect();
    const n = (v: number) => Math.round(v * 100) / 100;
    const at = `${n(r.left - origin.left)},${n(r.top - origin.top)}`;
    return `${el.localName}.${el.getAttribute('class') ?? ''} ${at} ${n(r.width)}x${n(r.height)}`;
  });
}

async function compare(body: RecommendationAnswer, display: ShelfDisplay, answered = true) {
  const fragment = renderShelfHtml(body, display);
  const server = await serverShelf(fragment);
  expect(server.host.shadowRoot, 'the declarative shadow root was attached').to.exist;
  const client = await clientShelf(server.host, answered ? body : undefined);
  const serverShape = shape(server.host.shadowRoot!, server.doc.baseURI);
  expect(serverShape.length).to.be.greaterThan(10);
  expect(serverShape).to.deep.equal(shape(client.shadowRoot!, document.baseURI));
  expect(boxes(server.host)).to.deep.equal(boxes(client));
  expect(server.host.shadowRoot!.querySelector('style')!.textContent).to.equal(styles.cssText);
  return { server, client, fragment };
}

const hostile = [
  { ...products[0]!, title: '<script>alert(1)</script>', url: 'javascript:alert(1)' },
  { ...products[1]!, title: '"><img src=x onerror=alert(2)>', image: 'data:image/svg+xml,<svg onload=alert(3)>' },
  { ...products[2]!, title: '</script><script>alert(4)</script><!--', url: 'https://shop.example/p?a=1&b="2"' },
  { ...products[3]!, image: '//cdn.example/3.jpg', srcset: '/images/3.svg 1x, /images/3b.svg 2x' },
  { ...products[4]!, srcset: '/images/4.svg 1x, javascript:alert(5) 2x' },
  { ...products[5]!, title: 'Tasse & Löffel', price: { value: 1234.5 } },
  { ...products[6]!, price: null, url: '  /product/with space  ' },
] as unknown as RecommendationAnswer['items'];

describe('a server-rendered shelf', () => {
  it('is the DOM and the boxes of the element’s carousel for the same answer', async () => {
    const body = answer(products.slice(0, 8) as RecommendationAnswer['items']);
    const { server } = await compare(body, { heading: 'Picked for you', items: ['85123A'], limit: 8, locale: 'en-GB' });
    // Until the element measures the list, both ends of the carousel read as reached.
    const nav = [...server.host.shadowRoot!.querySelectorAll('[part="nav-button"]')];
    expect(nav.map((b) => b.getAttribute('aria-disabled'))).to.deep.equal(['true', 'true']);
  });

  it('is the element’s grid for hostile data: titles as text, unsafe URLs dropped, prices in the locale', async () => {
    const body = answer(hostile, { source: 'fallback', fallbackReason: 'timeout', model: null });
    const { server } = await compare(body, { layout: 'grid', locale: 'de-DE', currency: 'EUR', limit: 12 });
    const root = server.host.shadowRoot!;
    expect(root.querySelectorAll('script, [onerror], [onload]')).to.have.length(0);
    expect([...root.querySelectorAll('.reco-title')].map((t) => t.textContent)).to.include.members([
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(2)>',
    ]);
    expect([...root.querySelectorAll('a')].filter((a) => !a.hasAttribute('href'))).to.have.length(1);
    expect(root.querySelector('.reco-price')!.textContent).to.equal('2,55\u00a0£');
  });

  it('reserves the element’s loading space when the shelf has no items', async () => {
    const { server } = await compare(answer([]), { limit: 5 }, false);
    expect(server.host.shadowRoot!.querySelectorAll('.reco-skeleton')).to.have.length(5);
    expect(server.host.getBoundingClientRect().height).to.equal(326);
  });

  it('shows its cards as links with JavaScript off, and carries the answer as data', async () => {
    const body = answer(hostile, { source: 'cache', fallbackReason: 'timeout' });
    const { host } = await serverShelf(renderShelfHtml(body, {}));
    const links = [...host.shadowRoot!.querySelectorAll<HTMLAnchorElement>('a.reco-link[href]')];
    expect(links.map((a) => a.href)).to.include(new URL('/product/84029G', document.baseURI).href);
    expect(links.every((a) => a.getBoundingClientRect().height > 100)).to.equal(true);
    const data = host.querySelector('script[type="application/json"][data-reco-answer]')!;
    expect(JSON.parse(data.textContent!)).to.deep.equal(body);
    expect(host.dataset).to.include({ ssr: '', requestId: 'req-ssr-1', source: 'cache', fallbackReason: 'timeout' });
  });

  it('is styled under a CSP that allows its <style> by hash, and unstyled without it', async () => {
    const body = answer(products.slice(0, 3) as RecommendationAnswer['items']);
    const header = async (csp: string) => {
      const { host } = await serverShelf(renderShelfHtml(body, {}), csp);
      return host.shadowRoot!.querySelector('.reco-header')!.getBoundingClientRect().height;
    };
    const strict = "default-src 'none'; img-src 'self'; style-src";
    expect(await header(`${strict} ${await shelfStyleHash()}`)).to.equal(40);
    expect(await header(`${strict} 'self'`)).not.to.equal(40);
    expect(shelfCss).to.equal(styles.cssText);
  });

  it('keeps its size on a page that reserves shelves as the README says, with its exemption for them', async () => {
    const embed = /<style>([\s\S]*?)<\/style>/.exec(await readmeBlock('embed-snippet'))![1]!;
    const exemption = await readmeBlock('server-render-reservation');
    const fragment = renderShelfHtml(answer(products.slice(0, 8) as RecommendationAnswer['items']), { layout: 'grid' });
    const plain = await serverShelf(fragment);
    const natural = plain.host.getBoundingClientRect().height;
    expect(natural).to.equal(608);
    const exempt = await serverShelf(fragment, '', `<style>${embed}${exemption}</style>`);
    expect(exempt.host.getBoundingClientRect().height).to.equal(natural);
    expect(exempt.host.getAnimations()).to.have.length(0);
    // Without the exemption the reservation holds the grid to a carousel's 326px, then releases it to 0.
    const held = await serverShelf(fragment, '', `<style>${embed}</style>`);
    expect(held.host.getBoundingClientRect().height).to.equal(326);
    expect(held.host.getAnimations()).to.have.length(1);
  });
});
