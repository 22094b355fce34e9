// Browser tests of <reco-shelf> (widget/**/*.test.ts) in the system Chromium.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';

// Left alone, the runner takes port 8000 (the demo storefront's). Ask the OS for a free one.
const freePort = await new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const recommendations = {
  placement: 'home',
  source: 'fallback',
  fallbackReason: 'timeout',
  model: null,
  items: [
    {
      id: '85123A',
      title: 'WHITE HANGING HEART T-LIGHT HOLDER',
      url: '/product/85123A',
      image: '/images/85123A.svg',
      price: { value: 2.55, currency: 'GBP' },
      category: 'home',
    },
    {
      id: '71053',
      title: 'WHITE METAL LANTERN',
      url: '/product/71053',
      image: '/images/71053.svg',
      price: { value: 3.39, currency: 'GBP' },
      category: 'home',
    },
  ],
};

/** What reached the proxy's stand-in, by the endpoint path a test gave its shelf. */
const seen = new Map();
/** Second-chunk requests held back, by the id in their path: each resolves its request. */
const held = new Map();

export default {
  files: ['widget/**/*.test.ts'],
  // Lit's development build: its warnings fail the test that causes them (widget/test/lit-dev-warnings.ts).
  nodeResolve: { exportConditions: ['development'] },
  hostname: '127.1',
  port: freePort,
  concurrency: 2,
  testFramework: { config: { timeout: 5000 } },
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--headless',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    }),
  ],
  plugins: [
    // The tests run the development build's code paths, console warnings included.
    esbuildPlugin({
      ts: true,
      define: { __RECO_DEV__: 'true' },
      tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    }),
  ],
  middleware: [
    // A stand-in for the proxy, only for the built-bundle test (the other tests stub fetch):
    // the real proxy runs in the end-to-end suite. It answers the shelf's `POST /v1/shelves` (its
    // body is the request's JSON) under any prefix, and records every request so a test can read, from
    // /seen/<prefix>, what reached the wire: methods (a preflight is an OPTIONS), URLs, types.
    async (ctx, next) => {
      if (ctx.path.endsWith('/v1/shelves')) {
        const chunks = [];
        for await (const chunk of ctx.req) chunks.push(chunk);
        const text = Buffer.concat(chunks).toString('utf8');
        const prefix = ctx.path.slice(0, -'/v1/shelves'.length);
        seen.set(prefix, [
          ...(seen.get(prefix) ?? []),
          { method: ctx.method, url: ctx.url, type: ctx.get('content-type'), body: text },
        ]);
        ctx.set('access-control-allow-origin', '*');
        if (ctx.method === 'OPTIONS') {
          // Answered, so that a shelf that began to need a preflight shows up as one, not as a timeout.
          ctx.set('access-control-allow-methods', 'GET, POST');
          ctx.set('access-control-allow-headers', 'content-type');
          ctx.status = 204;
          return;
        }
        // The requestId names the host asked, so a test can tell which endpoint the shelf chose.
        ctx.type = 'application/json';
        ctx.body = JSON.stringify({
          shelves: (text ? JSON.parse(text).shelves : []).map(({ placement }) => ({
            ...recommendations,
            requestId: `bundle@${ctx.host}`,
            placement,
          })),
        });
        return;
      }
      // The shelf's event beacons under the same prefixes, recorded the same way (#24: none before consent).
      if (ctx.path.endsWith('/v1/events')) {
        const chunks = [];
        for await (const chunk of ctx.req) chunks.push(chunk);
        const prefix = ctx.path.slice(0, -'/v1/events'.length);
        seen.set(prefix, [
          ...(seen.get(prefix) ?? []),
          { method: ctx.method, url: ctx.url, type: ctx.get('content-type'), body: Buffer.concat(chunks).toString() },
        ]);
        ctx.set('access-control-allow-origin', '*');
        ctx.status = 204;
        return;
      }
      if (ctx.path.startsWith('/seen/')) {
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(seen.get(ctx.path.slice('/seen'.length)) ?? []);
        return;
      }
      // The proxy serves every dist/reco-shelf*.js with CORS for the allowed storefronts: the
      // second chunk is an import(), which a page on another origin may run only with CORS.
      if (/^\/dist\/reco-shelf[^/]*\.js$/.test(ctx.path)) ctx.set('access-control-allow-origin', '*');
      // The built script in a folder without its second chunk (a self-hoster who copied only
      // reco-shelf.js): the chunk's request fails, the shelf must carry on without it.
      if (ctx.path.startsWith('/no-chunk/')) {
        if (ctx.path !== '/no-chunk/reco-shelf.js') return void (ctx.status = 404);
        ctx.type = 'text/javascript';
        ctx.body = await readFile(new URL('./dist/reco-shelf.js', import.meta.url));
        return;
      }
      // The built script whose second chunk is held back until the test releases it
      // (/slow-chunk-<id>/reco-shelf.js, released by /release/<id>): what the shelf does before it arrives.
      const slow = /^\/slow-chunk-(\w+)\/(reco-shelf(?:\.extras)?\.js)$/.exec(ctx.path);
      if (slow) {
        const [, id, file] = slow;
        if (file.includes('extras')) await new Promise((release) => held.set(id, release));
        ctx.set('access-control-allow-origin', '*');
        ctx.type = 'text/javascript';
        ctx.body = await readFile(new URL(`./dist/${file}`, import.meta.url));
        return;
      }
      if (ctx.path.startsWith('/release/')) {
        const release = held.get(ctx.path.slice('/release/'.length));
        ctx.status = release ? 204 : 409; // 409: the chunk was not asked for (yet)
        release?.();
        return;
      }
      if (ctx.path.startsWith('/images/')) {
        ctx.type = 'image/svg+xml';
        ctx.body =
          '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">' +
          '<rect width="10" height="10" fill="#c8553d"/></svg>';
        return;
      }
      return next();
    },
  ],
};
