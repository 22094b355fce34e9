/**
 * The built script-tag bundle (dist/reco-shelf.js, made by `npm run build` before the
 * tests) in fresh pages (test/pages/*.html), included the ways storefronts include it.
 * The dev server's middleware answers /v1/recommendations for these pages (see
 * web-test-runner.config.mjs).
 */
import { expect, oneEvent, waitUntil } from '@open-wc/testing';

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
  it('asks the origin the script was loaded from when no endpoint is set', async () => {
    const win = await page('classic-other-origin');
    await waitUntil(() => win.loads.length === 1, 'reco-load from the other origin');
    expect(win.loads[0]).to.include({ requestId: `bundle@localhost:${location.port}` });
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

  it('claims no globals but its element name and the registry Lit shares between components', async () => {
    const win = await page('globals');
    const added = Object.getOwnPropertyNames(win).filter((name) => !win.before.includes(name));
    expect(added.sort()).to.deep.equal(LIT_SHARED_GLOBALS);
    expect(win.customElements.get('reco-shelf')).to.be.a('function');
  });
});
