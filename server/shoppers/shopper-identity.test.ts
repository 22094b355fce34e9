/**
 * Issue #20 "Tokens get an optional issuer/audience check and a maximum age": what a token must
 * say beyond its signature and `exp`, with the proxy's defaults and with each check configured.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { craftToken, signShopperToken, testTokenSecret } from '../../workshop/test-support/shopper-tokens.ts';
import { defaults, loadConfig } from '../config.ts';
import { clockToleranceS, type ShopperIdentityOptions, shopperIdentity } from './shopper-identity.ts';

const now = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>) =>
  craftToken({ alg: 'HS256', typ: 'JWT' }, { sub: '17850', iat: now(), exp: now() + 600, ...claims });

/** Who a resolver with the proxy's defaults, and `options` over them, takes `jwt` for. */
async function resolve(jwt: string, options: Partial<ShopperIdentityOptions> = {}) {
  const identities = shopperIdentity({
    secret: testTokenSecret,
    allowRawUserIds: false,
    issuer: defaults.shopperTokenIssuer,
    audience: defaults.shopperTokenAudience,
    maxAgeS: defaults.shopperTokenMaxAgeS,
    ...options,
  });
  const { userId, untrusted } = await identities.resolve({ shopperToken: jwt, sessionId: 's-1' });
  return userId ?? untrusted;
}

describe('shopper token checks', () => {
  it("accepts the storefront's own tokens under the defaults", async () => {
    assert.equal(await resolve(await signShopperToken('17850')), '17850');
  });

  it('refuses, by default, a token issued a day and more ago whatever its exp says', async () => {
    const stolen = await token({ iat: now() - 86_400 - clockToleranceS - 60, exp: now() + 30 * 86_400 });
    assert.equal(defaults.shopperTokenMaxAgeS, 86_400);
    assert.equal(await resolve(stolen), 'too-old');
    assert.equal(await resolve(stolen, { maxAgeS: 0 }), '17850', 'no maximum age: exp alone decides');
  });

  it('refuses, by default, a token without iat (its age cannot be told), and takes it with the limit off', async () => {
    const undated = await token({ iat: undefined });
    assert.equal(await resolve(undated), 'no-issued-at');
    assert.equal(await resolve(undated, { maxAgeS: 0 }), '17850');
  });

  it("takes a token whose iat is a few seconds ahead of the proxy's clock (another server's clock)", async () => {
    assert.equal(await resolve(await token({ iat: now() + 5 })), '17850');
  });

  it('checks the issuer only when one is configured', async () => {
    const issuer = 'https://shop.example';
    assert.equal(await resolve(await token({ iss: 'https://evil.example' })), '17850', 'unset: not checked');
    assert.equal(await resolve(await token({ iss: issuer }), { issuer }), '17850');
    assert.equal(await resolve(await token({ iss: 'https://evil.example' }), { issuer }), 'wrong-issuer');
    assert.equal(await resolve(await token({}), { issuer }), 'wrong-issuer');
  });

  it('checks the audience only when one is configured; one of several audiences is enough', async () => {
    const audience = 'reco-proxy';
    assert.equal(await resolve(await token({ aud: 'billing' })), '17850', 'unset: not checked');
    assert.equal(await resolve(await token({ aud: audience }), { audience }), '17850');
    assert.equal(await resolve(await token({ aud: ['billing', audience] }), { audience }), '17850');
    assert.equal(await resolve(await token({ aud: 'billing' }), { audience }), 'wrong-audience');
    assert.equal(await resolve(await token({}), { audience }), 'wrong-audience');
  });

  it('reads the checks from the environment, and names a bad maximum age', () => {
    const config = loadConfig({
      RECO_SHOPPER_TOKEN_ISSUER: 'https://shop.example',
      RECO_SHOPPER_TOKEN_AUDIENCE: 'reco-proxy',
      RECO_SHOPPER_TOKEN_MAX_AGE_S: '3600',
    });
    assert.equal(config.shopperTokenIssuer, 'https://shop.example');
    assert.equal(config.shopperTokenAudience, 'reco-proxy');
    assert.equal(config.shopperTokenMaxAgeS, 3600);
    assert.equal(loadConfig({ RECO_SHOPPER_TOKEN_MAX_AGE_S: '0' }).shopperTokenMaxAgeS, 0);
    assert.throws(() => loadConfig({ RECO_SHOPPER_TOKEN_MAX_AGE_S: '1d' }), /RECO_SHOPPER_TOKEN_MAX_AGE_S="1d"/);
  });
});
