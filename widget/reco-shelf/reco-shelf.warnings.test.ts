import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../test/lit-dev-warnings.ts';
import '../index.ts';
import type { RecoShelf } from './reco-shelf.ts';
import { fakeProxy, type FakeProxy } from '../test/fake-proxy.ts';
import { recoResponse } from '../test/products.ts';
import { loadedShelf } from '../test/shelf-helpers.ts';

// The development build's console warnings (widget/README.md "Problems and their codes").
// Each warning is given once per page, so each test uses placements and values of its own.

let proxy: FakeProxy;
let warnings: string[];
let restoreWarn: () => void;
beforeEach(() => {
  proxy = fakeProxy();
  warnings = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.startsWith('<reco-shelf>')) warnings.push(text);
    else warn(...args);
  };
  restoreWarn = () => (console.warn = warn);
});
afterEach(() => {
  restoreWarn();
  proxy.restore();
});

const codes = () => warnings.map((w) => /^<reco-shelf> (RECO_[A-Z_]+):/.exec(w)?.[1]);

describe('reco-shelf warnings for the storefront developer', () => {
  it('names a misspelt attribute and the one meant, once however many shelves repeat it', async () => {
    await fixture(html`<div>
      <reco-shelf placement="home" userId="17850" add_to_cart></reco-shelf>
      <reco-shelf placement="home" userId="17850"></reco-shelf>
    </div>`);
    expect(warnings).to.have.length(2);
    expect(warnings[0]).to.match(/^<reco-shelf> RECO_UNKNOWN_ATTRIBUTE: .*"userid".*did you mean user-id\?/);
    expect(warnings[1]).to.match(/"add_to_cart".*did you mean add-to-cart\?/);
    expect(warnings[0]).to.include('widget/README.md#reco_unknown_attribute');
  });

  it('flags a malformed value, and says which value was meant', async () => {
    const el = await fixture<RecoShelf>(html`<reco-shelf placement="home" layout="Grid" loading="soon"></reco-shelf>`);
    expect(codes()).to.deep.equal(['RECO_INVALID_VALUE', 'RECO_INVALID_VALUE']);
    expect(warnings[0]).to.include('layout="Grid"').and.include('"grid"');
    expect(warnings[1]).to.include('loading="soon"').and.include('lazy or eager');
    el.setAttribute('timeout', 'soon');
    await el.updateComplete;
    expect(warnings[2]).to.include('timeout="NaN"');
    el.setAttribute('consent', 'Granted');
    await el.updateComplete;
    expect(warnings[3]).to.include('consent="Granted"').and.include('"granted"');
  });

  it('says when limit is clamped, and asks for the clamped number', async () => {
    const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement="home" limit="100"></reco-shelf>`);
    expect((await proxy.nextCall()).body.shelves).to.have.nested.property('[0].limit', 48);
    expect(codes()).to.deep.equal(['RECO_LIMIT_CLAMPED']);
    expect(warnings[0]).to.include('limit="100"').and.include('48');
    el.limit = 100;
    await el.updateComplete;
    expect(warnings).to.have.length(1, 'once per problem');
  });

  it("passes on the proxy's 4xx message, and tells a disallowed origin apart from a proxy that is down", async () => {
    const answers: [string, (call: Awaited<ReturnType<FakeProxy['nextCall']>>) => void, string][] = [
      [
        'Home',
        (call) =>
          call.respond({ error: { code: 'invalid_request', message: 'placement: must match [a-z0-9-]{1,64}' } }, 400),
        'RECO_REQUEST_REJECTED',
      ],
      [
        'foreign',
        (call) =>
          call.respond(
            {
              error: {
                code: 'origin_not_allowed',
                message: 'origin https://x is not an allowed storefront: add it to RECO_ALLOWED_ORIGINS',
              },
            },
            403,
          ),
        'RECO_ORIGIN_NOT_ALLOWED',
      ],
      ['down', (call) => call.fail(), 'RECO_PROXY_UNREACHABLE'],
    ];
    for (const [placement, answer, code] of answers) {
      const el = await fixture<RecoShelf>(html`<reco-shelf loading="eager" placement=${placement}></reco-shelf>`);
      const failed = oneEvent(el, 'reco-error');
      answer(await proxy.nextCall());
      expect((await failed).detail.code).to.equal(code);
    }
    expect(codes()).to.deep.equal(['RECO_REQUEST_REJECTED', 'RECO_ORIGIN_NOT_ALLOWED', 'RECO_PROXY_UNREACHABLE']);
    expect(warnings[0]).to.include('placement: must match [a-z0-9-]{1,64}');
    expect(warnings[1]).to.include('add it to RECO_ALLOWED_ORIGINS');
  });

  it("passes on the proxy's warnings, such as an unknown placement, once per placement", async () => {
    const unknown = (placement: string) =>
      recoResponse(undefined, {
        placement,
        warnings: [
          {
            code: 'unknown-placement',
            message: `placement "${placement}" is not in the placement rules; the defaults were used`,
          },
        ],
      });
    for (const placement of ['hom', 'hom', 'prodcut']) {
      await loadedShelf(
        proxy,
        html`<reco-shelf loading="eager" placement=${placement}></reco-shelf>`,
        unknown(placement),
      );
    }
    expect(codes()).to.deep.equal(['RECO_UNKNOWN_PLACEMENT', 'RECO_UNKNOWN_PLACEMENT']);
    expect(warnings[0]).to.include('placement "hom" is not in the placement rules');
    expect(warnings[1]).to.include('"prodcut"');
  });

  it('stays silent for a correct shelf', async () => {
    await loadedShelf(
      proxy,
      html`<reco-shelf loading="eager" placement="home" id="s" class="x" data-test="1" aria-label="Picks"
        user-id="1" layout="grid" limit="8" locale="de-DE" currency="EUR" add-to-cart data-layer></reco-shelf>`,
    );
    expect(warnings).to.deep.equal([]);
  });
});
