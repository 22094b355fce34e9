/**
 * Fuzzing who a shopper is: 4,000 generated tokens and events — mutated valid tokens, every
 * header algorithm, claims of every type, huge and unicode strings, forged server keys —
 * against the proxy as a real process with tokens required. Goals: zero 5xx; a
 * recommendation is always a full 200 shelf (an invalid token is an anonymous shopper, never
 * an error); an event batch is 202, or a 4xx in the JSON error shape; the process stays up.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StartedChild } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { seeded } from '../../model/recommenders/seeded-random.ts';
import { signShopperToken, testTokenSecret } from '../test-support/shopper-tokens.ts';
import { startCloud } from '../test-support/targets.ts';
import { freePort, proxyEnv, startProxyChild, type ProxyChild } from '../test-support/proxy-child.ts';
import { wholeNumber } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';

const total = 4000;
const concurrency = 16;
const { seed } = readEnvironment('fuzz', { seed: 20261130 }, { FUZZ_SEED: ['seed', wholeNumber(0)] });
const serverKey = 'fuzz-storefront-server-key-0123456789';

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const oddValues: unknown[] = [null, 0, -1, 1e308, '', ' ', 'x'.repeat(5000), '💥', '\u0000', [], {}, true, '17850'];

/** One hostile token, from a valid one mutated or from parts made up. */
function hostileToken(r: () => number, valid: string): string {
  const [header, claims, signature] = valid.split('.') as [string, string, string];
  switch (Math.floor(r() * 8)) {
    case 0: {
      const at = Math.floor(r() * valid.length);
      return valid.slice(0, at) + pick(r, ['A', '_', '-', '.', '%', '=']) + valid.slice(at + 1);
    }
    case 1: {
      const odd = b64({ alg: pick(r, ['none', 'HS384', 'HS512', 'RS256', 'ES256', 'hs256', '', 42]) });
      return `${odd}.${claims}.${pick(r, ['', signature])}`;
    }
    case 2: {
      const body = `${header}.${b64({ sub: pick(r, oddValues), exp: pick(r, oddValues), iat: pick(r, oddValues) })}`;
      return `${body}.${createHmac('sha256', testTokenSecret).update(body).digest('base64url')}`;
    }
    case 3:
      return pick(r, ['', '.', '..', '...', 'a.b', 'a.b.c.d', `${header}..${signature}`, valid.repeat(3)]);
    case 4:
      return 'x'.repeat(pick(r, [2049, 10_000]));
    case 5:
      return `${b64(pick(r, oddValues))}.${b64(pick(r, oddValues))}.${b64(pick(r, oddValues))}`;
    case 6: {
      const wrong = createHmac('sha256', 'wrong-secret-of-32-bytes-or-more!!').update(`${header}.${claims}`);
      return `${header}.${claims}.${wrong.digest('base64url')}`;
    }
    default:
      return pick(r, ['\u202e', 'Bearer x', '%00', '../../etc/passwd', '<script>', '\u0024{jndi:x}']) + valid;
  }
}

describe('fuzzing shopper tokens and events', { timeout: 150_000 }, () => {
  let cloud: StartedChild<CloudInfo>;
  let proxy: ProxyChild;
  before(async () => {
    cloud = await startCloud();
    const eventsDir = join(mkdtempSync(join(tmpdir(), 'reco-trust-fuzz-')), 'events');
    proxy = await startProxyChild(
      proxyEnv(cloud.info, await freePort(), {
        RECO_EVENTS_DIR: eventsDir,
        LOG_LEVEL: 'error',
        RECO_ALLOW_RAW_USER_IDS: 'false',
        RECO_SHOPPER_TOKEN_SECRET: testTokenSecret,
        RECO_SERVER_KEY: serverKey,
      }),
    );
  });
  after(async () => {
    await proxy?.kill('SIGTERM');
    await cloud?.stop();
  });

  it(`${total} hostile tokens and events: no 5xx, full anonymous shelves, 4xx in the JSON error shape`, async (t) => {
    const random = seeded(seed);
    const valid = await signShopperToken('17850');
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const index = next++;
        const token = hostileToken(random, valid);
        const kind = pick(random, ['query', 'body', 'event', 'purchase'] as const);
        let res: Response;
        if (kind === 'query' || kind === 'body') {
          res =
            kind === 'query'
              ? await fetch(`${proxy.url}/v1/recommendations?placement=home&shopperToken=${encodeURIComponent(token)}`)
              : await fetch(`${proxy.url}/v1/recommendations`, {
                  method: 'POST',
                  // The shelf sends text/plain (no preflight); a storefront's server may send JSON.
                  headers: { 'content-type': pick(random, ['application/json', 'text/plain'] as const) },
                  body: JSON.stringify({ placement: 'home', shopperToken: token }),
                });
        } else {
          const event = {
            id: `fuzz-${seed}-${index}`,
            type: kind === 'purchase' ? 'purchase' : pick(random, ['click', 'impression', 'add_to_cart']),
            placement: 'home',
            itemId: '85123A',
            ts: Date.now(),
            shopperToken: token.slice(0, 4096),
            ...(random() < 0.5 ? { userId: '17850' } : {}),
          };
          // A header carries bytes, not text: characters above U+00FF go percent-encoded.
          const headerSafe = /^[\x20-\xff]*$/.test(token) ? token : encodeURIComponent(token);
          const authorization = pick(random, [
            undefined,
            `Bearer ${serverKey}`,
            `Bearer ${headerSafe}`,
            headerSafe,
            'Bearer ',
          ]);
          res = await fetch(`${proxy.url}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
            body: JSON.stringify({ events: [event] }),
          });
        }
        const text = await res.text();
        statuses[`${kind} ${res.status}`] = (statuses[`${kind} ${res.status}`] ?? 0) + 1;
        const shown = JSON.stringify(token.slice(0, 60));
        const what = `#${index} ${kind} token ${shown} → ${res.status} ${text.slice(0, 100)}`;
        if (res.status >= 500) failures.push(`5xx: ${what}`);
        else if (kind === 'query') {
          // A token in a URL is refused whatever it holds: URLs are logged.
          const body = JSON.parse(text) as { error?: { message?: string } };
          if (res.status !== 400 || !body.error?.message?.startsWith('shopperToken: '))
            failures.push(`a token in a URL not refused by name: ${what}`);
        } else if (kind === 'body') {
          const body = JSON.parse(text) as { items?: unknown[] };
          if (res.status !== 200 || body.items?.length !== 8) failures.push(`not a full shelf: ${what}`);
        } else if (res.status >= 400) {
          const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string')
            failures.push(`4xx not in the JSON error shape: ${what}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    t.diagnostic(`seed ${seed}; statuses: ${JSON.stringify(statuses)}`);
    for (const failure of failures.slice(0, 6)) t.diagnostic(failure);
    assert.deepEqual(failures.length, 0, `${failures.length} failures`);
    assert.equal((await fetch(`${proxy.url}/healthz`)).status, 200);
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    assert.match(metrics, /reco_untrusted_shoppers_total\{cause="bad-signature"\} [1-9]/);
    assert.match(metrics, /reco_untrusted_shoppers_total\{cause="wrong-algorithm"\} [1-9]/);
  });
});
