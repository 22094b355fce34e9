import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVariantsSpec, pickWeighted } from './variants.ts';

test('a variants spec parses names, urls and weights, weight defaulting to 1', () => {
  assert.deepEqual(parseVariantsSpec('AllTraffic=http://127.0.0.1:8081'), [
    { name: 'AllTraffic', url: 'http://127.0.0.1:8081', weight: 1 },
  ]);
  assert.deepEqual(parseVariantsSpec(' A=http://127.0.0.1:8081/@3 , B-2=http://localhost:9000@0.5 '), [
    { name: 'A', url: 'http://127.0.0.1:8081', weight: 3 },
    { name: 'B-2', url: 'http://localhost:9000', weight: 0.5 },
  ]);
});

test('a bad variants spec fails with an error naming the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /at least one production variant/],
    ['http://127.0.0.1:8081', /is not Name=url\[@weight\]/],
    ['A=not a url', /invalid url/],
    ['A=https://example.com', /must be http:\/\//],
    ['A=http://127.0.0.1:1@heavy', /weight must be a number/],
    ['A=http://127.0.0.1:1@-1', /weight must be a number/],
    ['A=http://127.0.0.1:1,A=http://127.0.0.1:2', /duplicate variant name "A"/],
    ['bad_name=http://127.0.0.1:1', /invalid variant name "bad_name"/],
    ['A=http://127.0.0.1:1@0', /weight > 0/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => parseVariantsSpec(spec),
      (err: Error) => err.message.startsWith('local-sagemaker: ') && message.test(err.message),
      spec,
    );
  }
});

test('weighted choice maps [0,1) onto variants in proportion to their weights, skipping weight 0', () => {
  const variants = [
    { name: 'A', url: 'http://a', weight: 1 },
    { name: 'Off', url: 'http://off', weight: 0 },
    { name: 'B', url: 'http://b', weight: 3 },
  ];
  const at = (r: number) => pickWeighted(variants, () => r).name;
  assert.equal(at(0), 'A');
  assert.equal(at(0.2499), 'A');
  assert.equal(at(0.25), 'B');
  assert.equal(at(0.9999999), 'B');
});
