/**
 * Leakage: a proxy process at log level debug, driven through normal weather, every
 * weather mode, bad input and bad credentials (wrong secret, unknown key). Neither the
 * secret nor the access key may appear in any response (headers or body), any log
 * line, or the widget bundle. The cloud gets a fresh random key pair, so a match
 * cannot be a coincidence.
 */
import type { WeatherMode } from '../local-sagemaker/weather.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot, type StartedChild } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { setWeather, sleep, startCloud } from '../test-support/targets.ts';
import { freePort, proxyEnv, startProxyChild, type ProxyChild } from '../test-support/proxy-child.ts';
import { shelfPath, shelfRequestInit } from '../test-support/shelf-request.ts';

const key = (prefix: string, bytes: number): string => prefix + randomBytes(bytes).toString('hex').toUpperCase();
const accessKeyId = key('AKIA', 8);
const secretAccessKey = randomBytes(30).toString('base64url');
const wrongSecret = randomBytes(30).toString('base64url');
const unknownKeyId = key('AKIA', 8);

async function capture(url: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`;
}

/** Drives one proxy through the routes a shopper, a page and an operator use. */
async function drive(proxy: ProxyChild, shopper: string): Promise<string[]> {
  const seen: string[] = [];
  const paths = [
    `/v1/recommendations?placement=product&items=85123A&sessionId=s-${shopper}`,
    '/v1/recommendations?placement=BAD',
    '/v1/nope',
    '/healthz',
    '/readyz',
  ];
  for (const path of paths) seen.push(await capture(`${proxy.url}${path}`));
  seen.push(await capture(`${proxy.adminUrl}/metrics`));
  seen.push(
    await capture(`${proxy.url}${shelfPath}`, shelfRequestInit({ placement: 'home', userId: shopper })),
    await capture(`${proxy.url}/v1/recommendations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"placement":"home","userId":"x","bad":1}',
    }),
  );
  seen.push(
    await capture(`${proxy.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        events: [
          {
            id: `leak-${shopper}-1`,
            type: 'click',
            placement: 'home',
            itemId: '85123A',
            userId: shopper,
            ts: Date.now(),
          },
        ],
      }),
    }),
  );
  return seen;
}

describe('no secret or access key in responses, logs or the bundle', { timeout: 90_000 }, () => {
  let cloud: StartedChild<CloudInfo>;
  const dir = mkdtempSync(join(tmpdir(), 'reco-leak-'));
  before(async () => {
    cloud = await startCloud({
      LOCAL_SAGEMAKER_ACCESS_KEY_ID: accessKeyId,
      LOCAL_SAGEMAKER_SECRET_ACCESS_KEY: secretAccessKey,
    });
  });
  after(async () => {
    await cloud?.stop();
  });

  it('through every weather and with bad credentials', async (t) => {
    const responses: string[] = [];
    const logs: string[] = [];
    const run = async (
      credentials: { accessKeyId: string; secretAccessKey: string },
      modes: Array<[WeatherMode, number?]>,
    ): Promise<void> => {
      const env = proxyEnv(
        cloud.info,
        await freePort(),
        {
          LOG_LEVEL: 'debug',
          RECO_EVENTS_DIR: join(dir, `${credentials.secretAccessKey.slice(0, 6)}-events`),
          RECO_BREAKER_FAILURES: '1000000',
          RECO_CACHE_FRESH_MS: '0',
        },
        credentials,
      );
      const proxy = await startProxyChild(env);
      try {
        for (const [mode, latencyMs] of modes) {
          await setWeather(cloud.info, mode, latencyMs);
          responses.push(...(await drive(proxy, `leak-${mode}`)));
        }
        await setWeather(cloud.info, 'normal');
        await sleep(2200); // late calls end at the hard cap and log
      } finally {
        await proxy.kill('SIGTERM');
        logs.push(proxy.output());
      }
    };
    await run({ accessKeyId, secretAccessKey }, [
      ['normal'],
      ['slow', 400],
      ['hang'],
      ['error'],
      ['throttle'],
      ['garbage'],
      ['reset'],
      ['normal'],
    ]);
    await run({ accessKeyId, secretAccessKey: wrongSecret }, [['normal']]);
    await run({ accessKeyId: unknownKeyId, secretAccessKey: wrongSecret }, [['normal']]);

    const bundle = join(projectRoot, 'dist/reco-shelf.js');
    if (!existsSync(bundle))
      spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
        cwd: projectRoot,
        stdio: 'ignore',
        timeout: 120_000,
      });
    const places: Record<string, string> = {
      responses: responses.join('\n'),
      logs: logs.join('\n'),
      bundle: readFileSync(bundle, 'utf8'),
    };
    t.diagnostic(
      `${responses.length} responses, ${logs.join('').split('\n').length} log lines, bundle ${places.bundle!.length} B`,
    );
    assert.ok(
      logs.join('').includes('"level":20') || logs.join('').includes('"level":30'),
      'the proxy logged at debug/info level',
    );
    const found: string[] = [];
    for (const [place, text] of Object.entries(places)) {
      for (const [name, value] of Object.entries({ secretAccessKey, wrongSecret, accessKeyId, unknownKeyId })) {
        if (text.includes(value)) found.push(`${name} in ${place}`);
      }
    }
    assert.deepEqual(found, []);
  });
});
