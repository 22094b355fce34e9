import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaults, loadConfig } from './config.ts';

describe('config', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.rateLimit, 600);
    assert.deepEqual(config.allowedOrigins, ['http://localhost:8000', 'http://127.0.0.1:8000']);
    assert.deepEqual({ ...config }, { ...defaults });
  });

  it('reads variables, including variant weights and origins', () => {
    const config = loadConfig({ PROXY_PORT: '3100', RECO_VARIANTS: 'model-a=90,model-b=10', RECO_ALLOWED_ORIGINS: 'https://shop.example, https://www.shop.example', RECO_RATE_LIMIT: '0' });
    assert.equal(config.port, 3100);
    assert.deepEqual(config.variants, { 'model-a': 90, 'model-b': 10 });
    assert.deepEqual(config.allowedOrigins, ['https://shop.example', 'https://www.shop.example']);
    assert.equal(config.rateLimit, 0);
  });

  it('names every bad variable in one error', () => {
    assert.throws(() => loadConfig({ PROXY_PORT: 'http', RECO_ALLOWED_ORIGINS: '*', RECO_VARIANTS: 'a:1' }), (e: Error) =>
      /PROXY_PORT/.test(e.message) && /RECO_ALLOWED_ORIGINS/.test(e.message) && /RECO_VARIANTS/.test(e.message) && e.message.startsWith('config: '),
    );
  });
});
