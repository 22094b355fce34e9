import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { renderShelves, reservedShelf, type ShelfSlot } from './server-shelves.ts';

const slots: ShelfSlot[] = [
  { id: 'home-shelf', placement: 'home', limit: 8, heading: 'Recommended for you' },
  { id: 'cart-shelf', placement: 'cart', items: '22423,85123A', limit: 6 },
];
/** A fragment as the proxy writes it: the shopper the request named is on its host (token, else session). */
const fragment = (placement: string, shopper = ''): string =>
  `<reco-shelf${shopper} placement="${placement}" data-ssr data-request-id="r-${placement}" data-source="model">` +
  '<template shadowrootmode="open"><style></style></template></reco-shelf>';

describe('the storefront asks the proxy for its shelves as HTML', () => {
  let url: string;
  let answer: (req: IncomingMessage, body: string, res: ServerResponse) => void;
  const bodies: unknown[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push({ path: req.url, body: JSON.parse(body) });
    answer(req, body, res);
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("places each fragment under the page's id with the shopper's token; asks once, token in the body", async () => {
    bodies.length = 0;
    answer = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'server-timing': 'total;dur=12.5' });
      const token = ' shopper-token="a.b.c"';
      res.end(JSON.stringify({ shelves: [{ html: fragment('home', token) }, { html: fragment('cart', token) }] }));
    };
    const out = await renderShelves(url, slots, { shopperToken: 'a.b.c', timeoutMs: 5000 });
    assert.equal(out.outcome, 'server-rendered');
    assert.equal(out.serverTiming, 'total;dur=12.5');
    assert.ok(out.markup[0]!.startsWith('<reco-shelf id="home-shelf" shopper-token="a.b.c" placement="home" data-ssr'));
    assert.ok(out.markup[1]!.startsWith('<reco-shelf id="cart-shelf" shopper-token="a.b.c" placement="cart" data-ssr'));
    assert.deepEqual(bodies, [
      {
        path: '/v1/shelves',
        body: {
          shelves: [
            { placement: 'home', limit: 8, heading: 'Recommended for you' },
            { placement: 'cart', items: '22423,85123A', limit: 6 },
          ],
          shopperToken: 'a.b.c',
          distinct: true,
          render: 'html',
        },
      },
    ]);
  });

  it('renders the reserved space when the proxy does not answer in time', async () => {
    answer = () => {}; // never answers
    const out = await renderShelves(url, slots, { shopperToken: null, timeoutMs: 50 });
    assert.equal(out.outcome, 'timeout');
    assert.deepEqual(out.markup, [
      '<reco-shelf id="home-shelf" placement="home" limit="8" heading="Recommended for you"></reco-shelf>',
      '<reco-shelf id="cart-shelf" placement="cart" items="22423,85123A" limit="6"></reco-shelf>',
    ]);
  });

  it("names a guest by the shop's session: in the body, and on the shelf for its events", async () => {
    bodies.length = 0;
    answer = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const session = ' session-id="s-1"';
      res.end(JSON.stringify({ shelves: [{ html: fragment('home', session) }, { html: fragment('cart', session) }] }));
    };
    const out = await renderShelves(url, slots, { shopperToken: null, sessionId: 's-1', timeoutMs: 5000 });
    assert.ok(out.markup[0]!.startsWith('<reco-shelf id="home-shelf" session-id="s-1" placement="home" data-ssr'));
    assert.equal((bodies[0] as { body: { sessionId?: string } }).body.sessionId, 's-1');
    assert.equal(
      reservedShelf(slots[0]!, { shopperToken: null, sessionId: 's-1' }),
      '<reco-shelf id="home-shelf" placement="home" session-id="s-1" limit="8" heading="Recommended for you">' +
        '</reco-shelf>',
    );
  });

  it('renders the reserved space on a refusal or an answer that is not the contract', async () => {
    answer = (_req, _body, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"shelves[0].placement: unknown"}');
    };
    assert.equal((await renderShelves(url, slots, { shopperToken: null, timeoutMs: 5000 })).outcome, 'status 400');
    for (const shelves of [
      [{ html: fragment('home') }],
      [{ html: '<div>not a shelf</div>' }, { html: fragment('cart') }],
      [{ html: fragment('home') }, { html: 42 }],
    ]) {
      answer = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ shelves }));
      };
      const out = await renderShelves(url, slots, { shopperToken: null, timeoutMs: 5000 });
      assert.equal(out.outcome, 'malformed answer');
      assert.ok(out.markup.every((m) => !m.includes('data-ssr')));
    }
  });

  it('escapes what it writes into the reserved space', () => {
    assert.equal(
      reservedShelf({ id: 'x', placement: 'home', heading: '"><script>alert(1)</script>' }, { shopperToken: null }),
      '<reco-shelf id="x" placement="home" heading="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"></reco-shelf>',
    );
  });
});
