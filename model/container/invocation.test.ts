import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInvocationError, invocationLimits, parseInvocation } from './invocation.ts';

test('a valid body becomes an invocation with the defaults filled in', () => {
  assert.deepEqual(parseInvocation('{"userId":"p_x","items":["A"],"placement":"home"}'), {
    userId: 'p_x',
    items: ['A'],
    k: invocationLimits.defaultK,
    exclude: [],
    placement: 'home',
  });
});

test('an invalid body throws an InvalidInvocationError naming the field', () => {
  const tooMany = Array.from({ length: invocationLimits.maxExclude + 1 }, (_, i) => `I${i}`);
  for (const [body, field] of [
    ['{not json', 'body'],
    ['[1]', 'body'],
    ['{"userId":7}', 'userId'],
    ['{"k":0}', 'k'],
    [`{"k":${invocationLimits.maxK + 1}}`, 'k'],
    ['{"placement":1}', 'placement'],
    ['{"items":"A"}', 'items'],
    [JSON.stringify({ exclude: tooMany }), 'exclude'],
  ] as const) {
    assert.throws(
      () => parseInvocation(body),
      (error: unknown) =>
        error instanceof InvalidInvocationError &&
        error.field === field &&
        error.message.startsWith(field === 'body' ? 'body' : `"${field}"`),
      body.slice(0, 40),
    );
  }
});
