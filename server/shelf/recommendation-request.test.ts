import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxShopperIdLength } from '../../contracts/ids.ts';
import { maxContextItems, maxShelfSize } from '../../contracts/shelf-answer.ts';
import { InvalidRequestError, parseRecommendationBody, parseRecommendationQuery } from './recommendation-request.ts';

const rejects = (fn: () => unknown, field: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidRequestError && field.test(e.message));

describe('recommendation request', () => {
  it('reads a full query string', () => {
    assert.deepEqual(
      parseRecommendationQuery({ placement: 'home', sessionId: 's-1', items: '85123A,22423', limit: '8' }),
      {
        placement: 'home',
        sessionId: 's-1',
        items: ['85123A', '22423'],
        limit: 8,
      },
    );
  });

  it('ignores parameters it does not know (cache busters)', () => {
    assert.deepEqual(parseRecommendationQuery({ placement: 'home', _: '123' }), { placement: 'home', items: [] });
  });

  it('names the missing placement', () => rejects(() => parseRecommendationQuery({}), /^placement: /));
  it('names a malformed placement', () =>
    rejects(() => parseRecommendationQuery({ placement: 'Home Page' }), /^placement: /));
  it('names a limit that is not a number', () =>
    rejects(() => parseRecommendationQuery({ placement: 'home', limit: 'abc' }), /^limit: /));
  it('names a limit out of range', () =>
    rejects(() => parseRecommendationQuery({ placement: 'home', limit: '49' }), /^limit: /));
  it('names an oversized sessionId', () =>
    rejects(() => parseRecommendationQuery({ placement: 'home', sessionId: 'x'.repeat(10_000) }), /^sessionId: /));
  it('names a userId with control characters', () =>
    rejects(() => parseRecommendationBody({ placement: 'home', userId: 'a\u0000b' }), /^userId: /));
  it('refuses a shopperToken or userId in a query string, naming the POST body as their place', () => {
    for (const field of ['shopperToken', 'userId']) {
      rejects(
        () => parseRecommendationQuery({ placement: 'home', [field]: 'eyJ.e30.x' }),
        new RegExp(`^${field}: never in a URL .*body of POST /v1/recommendations`),
      );
      // Even empty: the caller learns where it belongs rather than getting an anonymous shelf.
      rejects(() => parseRecommendationQuery({ placement: 'home', [field]: '' }), new RegExp(`^${field}: `));
    }
  });
  it('names too many items', () =>
    rejects(
      () =>
        parseRecommendationQuery({ placement: 'home', items: Array.from({ length: 51 }, (_, i) => `I${i}`).join(',') }),
      /^items: /,
    ));
  it('names a malformed item id', () =>
    rejects(() => parseRecommendationQuery({ placement: 'home', items: 'A,<script>' }), /^items\.1: /));
  it('refuses a repeated parameter', () =>
    rejects(() => parseRecommendationQuery({ placement: ['home', 'cart'] }), /^placement: /));

  it('reads a JSON body with the same fields', () => {
    assert.deepEqual(parseRecommendationBody({ placement: 'cart', sessionId: 's-1', items: ['85123A'] }), {
      placement: 'cart',
      sessionId: 's-1',
      items: ['85123A'],
    });
  });

  it('reads requests at every bound as it always did', () => {
    const items = Array.from({ length: 50 }, (_, i) => `I${i}`);
    assert.deepEqual(
      parseRecommendationBody({ placement: 'a', userId: 'u'.repeat(128), shopperToken: '', items, limit: 48 }),
      { placement: 'a', userId: 'u'.repeat(128), items, limit: 48 },
    );
    assert.deepEqual(parseRecommendationBody({ placement: 'home', sessionId: 's', limit: 1 }), {
      placement: 'home',
      sessionId: 's',
      items: [],
      limit: 1,
    });
    rejects(() => parseRecommendationBody({ placement: 'home', userId: '' }), /^userId: /);
    rejects(() => parseRecommendationBody({ placement: 'home', limit: 1.5 }), /^limit: /);
    rejects(() => parseRecommendationBody({ placement: 'home', items: [7] }), /^items\.0: /);
    rejects(() => parseRecommendationBody({ placement: 'home', shopperToken: 7 }), /^shopperToken: /);
  });

  it('keeps the bounds of contracts/, at the bound and one past it, with the messages the docs quote', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `I${i}`);
    const valid: Array<Record<string, unknown>> = [
      { placement: 'home', limit: maxShelfSize },
      { placement: 'home', items: ids(maxContextItems) },
      { placement: 'home', sessionId: 's'.repeat(maxShopperIdLength) },
    ];
    for (const body of valid) assert.doesNotThrow(() => parseRecommendationBody(body), JSON.stringify(body));
    const invalid: Array<[Record<string, unknown>, string]> = [
      [{ placement: 'home', limit: maxShelfSize + 1 }, `limit: must be a whole number 1..${maxShelfSize}`],
      [{ placement: 'home', limit: 0 }, `limit: must be a whole number 1..${maxShelfSize}`],
      [{ placement: 'home', items: ids(maxContextItems + 1) }, `items: at most ${maxContextItems} ids`],
      [
        { placement: 'home', sessionId: 's'.repeat(maxShopperIdLength + 1) },
        `sessionId: at most ${maxShopperIdLength} characters`,
      ],
    ];
    for (const [body, message] of invalid) {
      assert.throws(() => parseRecommendationBody(body), { name: 'InvalidRequestError', message });
    }
    assert.throws(() => parseRecommendationQuery({ placement: 'home', limit: String(maxShelfSize + 1) }), {
      message: `limit: must be a whole number 1..${maxShelfSize}`,
    });
  });

  it('names a body field of the wrong type', () =>
    rejects(() => parseRecommendationBody({ placement: 'home', limit: '8' }), /^limit: /));
  it('names an unknown body field', () =>
    rejects(() => parseRecommendationBody({ placement: 'home', admin: true }), /unknown field "admin"/));
  it('refuses a body that is not an object', () => rejects(() => parseRecommendationBody([1, 2]), /^body: /));
  it('reads a text/plain body as the JSON it holds, and names one that is not JSON', () => {
    assert.deepEqual(parseRecommendationBody('{"placement":"home","shopperToken":"eyJ.e30.x","items":["85123A"]}'), {
      placement: 'home',
      shopperToken: 'eyJ.e30.x',
      items: ['85123A'],
    });
    rejects(() => parseRecommendationBody('placement=home'), /^body: not valid JSON/);
    rejects(() => parseRecommendationBody('"home"'), /^body: must be a JSON object/);
  });
});
