import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, startProblems } from './config.ts';

/** The least a start needs: a way to know who the shopper is. */
const trusted = { RECO_ALLOW_RAW_USER_IDS: 'true' };

describe('config', () => {
  it('refuses to start a proxy without a token secret or trusted raw ids, naming both', () => {
    assert.match(
      startProblems(loadConfig({})).join('\n'),
      /RECO_SHOPPER_TOKEN_SECRET .* or RECO_ALLOW_RAW_USER_IDS=true/,
    );
    assert.doesNotMatch(startProblems(loadConfig(trusted)).join('\n'), /RECO_SHOPPER_TOKEN_SECRET/);
    assert.equal(loadConfig({ RECO_SHOPPER_TOKEN_SECRET: 's'.repeat(32) }).allowRawUserIds, false);
    assert.throws(
      () => loadConfig({ RECO_SHOPPER_TOKEN_SECRET: 'short' }),
      /RECO_SHOPPER_TOKEN_SECRET=\(5 bytes, not shown\): must be at least 32 bytes/,
    );
  });

  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig(trusted);
    assert.equal(config.port, 3000);
    assert.equal(config.rateLimit, 600);
    assert.deepEqual(config.allowedOrigins, ['http://localhost:8000', 'http://127.0.0.1:8000']);
  });

  it('treats an empty variable as unset, and lets overrides win over the environment', () => {
    assert.equal(loadConfig({ ...trusted, PROXY_PORT: '', RECO_RATE_LIMIT: '' }).port, 3000);
    assert.equal(loadConfig({ ...trusted, PROXY_PORT: '3100' }, { port: 0 }).port, 0);
  });

  it('reads variables, including variant weights and origins', () => {
    const config = loadConfig({
      ...trusted,
      PROXY_PORT: '3100',
      RECO_VARIANTS: 'model-a=90,model-b=10',
      RECO_ALLOWED_ORIGINS: 'https://shop.example, https://www.shop.example',
      RECO_RATE_LIMIT: '0',
    });
    assert.equal(config.port, 3100);
    assert.deepEqual(config.variants, { 'model-a': 90, 'model-b': 10 });
    assert.deepEqual(config.allowedOrigins, ['https://shop.example', 'https://www.shop.example']);
    assert.equal(config.rateLimit, 0);
  });

  it('names every bad variable in one error, saying what it must be', () => {
    assert.throws(
      () => loadConfig({ PROXY_PORT: 'http', RECO_ALLOWED_ORIGINS: '*', RECO_VARIANTS: 'a:1', RECO_HARD_CAP_MS: '5' }),
      (e: Error) =>
        e.message.startsWith('config: ') &&
        /PROXY_PORT="http": must be a port number 0\.\.65535/.test(e.message) &&
        /RECO_ALLOWED_ORIGINS="\*": must be origins such as https:\/\/shop\.example \(a wildcard is refused\)/.test(
          e.message,
        ) &&
        /RECO_VARIANTS="a:1": expected Name=weight pairs/.test(e.message) &&
        /RECO_HARD_CAP_MS="5": must be at least 100/.test(e.message),
    );
  });

  it('reads its booleans as true or false only, telling what to write for 1 and 0', () => {
    assert.equal(
      loadConfig({ RECO_ALLOW_RAW_USER_IDS: 'true', RECO_CLOUDWATCH_METRICS: 'false' }).allowRawUserIds,
      true,
    );
    assert.throws(
      () => loadConfig({ ...trusted, RECO_ALLOW_RAW_USER_IDS: '1', RECO_CLOUDWATCH_METRICS: '0' }),
      (e: Error) =>
        e.message ===
        'config: RECO_ALLOW_RAW_USER_IDS="1": must be true or false: write true, not 1; ' +
          'RECO_CLOUDWATCH_METRICS="0": must be true or false: write false, not 0',
    );
  });

  it('refuses an origin with a path', () => {
    assert.throws(() => loadConfig({ ...trusted, RECO_ALLOWED_ORIGINS: 'https://shop.example/home' }), /no path/);
  });

  it('reads RECO_TRUST_PROXY as a hop count or a list of addresses, CIDRs and presets', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ RECO_TRUST_PROXY: '1' }).trustProxy, 1);
    assert.deepEqual(loadConfig({ RECO_TRUST_PROXY: '10.0.0.0/8, loopback,::1' }).trustProxy, [
      '10.0.0.0/8',
      'loopback',
      '::1',
    ]);
    assert.throws(() => loadConfig({ RECO_TRUST_PROXY: '10.0.0.0/33' }), /RECO_TRUST_PROXY.*hop count/);
    assert.throws(() => loadConfig({ RECO_TRUST_PROXY: 'balancer.example' }), /RECO_TRUST_PROXY/);
  });

  it('wants the headers timeout above the keep-alive timeout, and a redis:// URL', () => {
    assert.throws(
      () => loadConfig({ RECO_KEEP_ALIVE_TIMEOUT_MS: '70000', RECO_HEADERS_TIMEOUT_MS: '70000' }),
      /RECO_HEADERS_TIMEOUT_MS=70000: must be above RECO_KEEP_ALIVE_TIMEOUT_MS/,
    );
    assert.throws(() => loadConfig({ RECO_REDIS_URL: 'http://cache:6379' }), /redis:\/\//);
    assert.equal(loadConfig({ RECO_REDIS_URL: 'redis://127.0.0.1:6380/0' }).redisUrl, 'redis://127.0.0.1:6380/0');
  });

  it('refuses a bucket to ship events to without the pseudonym key, naming both', () => {
    assert.throws(
      () => loadConfig({ ...trusted, RECO_EVENTS_S3_BUCKET: 'acme-reco-events' }),
      /RECO_EVENTS_S3_BUCKET=acme-reco-events needs RECO_PSEUDONYM_KEY: .*would leave the premises raw/,
    );
    assert.throws(
      () => loadConfig(trusted, { eventsS3Bucket: 'acme-reco-events' }),
      /needs RECO_PSEUDONYM_KEY/,
      'overrides are checked too',
    );
    const key = 'k'.repeat(32);
    const config = loadConfig({ ...trusted, RECO_EVENTS_S3_BUCKET: 'acme-reco-events', RECO_PSEUDONYM_KEY: key });
    assert.equal(config.pseudonymKey, key);
  });

  it('refuses a RECO_* variable no process reads, naming the closest one that is read', () => {
    assert.throws(
      () => loadConfig({ ...trusted, RECO_EVENTS_FILE: '/var/lib/reco/events.jsonl' }),
      (e: Error) => e.message === 'config: RECO_EVENTS_FILE: no process reads it; did you mean RECO_EVENTS_DIR?',
    );
    assert.throws(() => loadConfig({ ...trusted, RECO_RATELIMIT: '10' }), /did you mean RECO_RATE_LIMIT\?/);
    // Read by neighbours that share the environment (npm start, the retrain): not the proxy's, still known.
    assert.equal(loadConfig({ ...trusted, RECO_STACK_PID: '1', RECO_MODEL_IMAGE: 'x' }).port, 3000);
  });

  it('refuses to start without RECO_PSEUDONYM_KEY unless the endpoint is on this host, saying why', () => {
    const start = (env: Record<string, string>) => () => {
      const problems = startProblems(loadConfig({ ...trusted, ...env }));
      if (problems.length > 0) throw new Error(problems.join('; '));
    };
    assert.throws(start({}), /RECO_PSEUDONYM_KEY is unset .*AWS's own endpoint in eu-west-2.*raw customer ids/);
    for (const far of [
      'https://runtime.sagemaker.eu-west-2.amazonaws.com',
      'http://10.0.0.5:8080',
      'http://128.0.0.1',
    ]) {
      assert.throws(start({ SAGEMAKER_ENDPOINT_URL: far }), /RECO_PSEUDONYM_KEY is unset .*not this host/, far);
    }
    for (const near of ['http://127.0.0.1:8080', 'http://127.3.4.5', 'http://[::1]:8080', 'http://localhost:8080']) {
      assert.doesNotThrow(start({ SAGEMAKER_ENDPOINT_URL: near }), near);
    }
    assert.doesNotThrow(start({ RECO_PSEUDONYM_KEY: 'k'.repeat(32) }), 'with the key, AWS is fine');
  });

  it('refuses RECO_REDIS_URL without RECO_PSEUDONYM_KEY, even with a local endpoint', () => {
    const local = {
      ...trusted,
      SAGEMAKER_ENDPOINT_URL: 'http://127.0.0.1:8080',
      RECO_REDIS_URL: 'redis://127.0.0.1:6379',
    };
    assert.match(
      startProblems(loadConfig(local)).join('\n'),
      /RECO_REDIS_URL needs RECO_PSEUDONYM_KEY: Redis holds customer and session ids only as digests/,
    );
    assert.deepEqual(startProblems(loadConfig({ ...local, RECO_PSEUDONYM_KEY: 'k'.repeat(32) })), []);
  });

  it('names every problem that keeps a start from working at once, the missing files with their variables', () => {
    const problems = startProblems(
      loadConfig({ RECO_CATALOG_FILE: '/nonexistent/catalog.json', RECO_PLACEMENTS_FILE: '/nonexistent/p.json' }),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /RECO_SHOPPER_TOKEN_SECRET/);
    assert.match(problems[1]!, /RECO_PSEUDONYM_KEY is unset/);
    assert.match(problems[2]!, /^RECO_CATALOG_FILE: no catalog at \/nonexistent\/catalog\.json/);
    assert.match(problems[3]!, /^RECO_PLACEMENTS_FILE: no placement rules at \/nonexistent\/p\.json/);
  });
});
