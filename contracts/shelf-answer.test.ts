import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invocationLimits } from './invocation.ts';
import { maxContextItems, maxShelfSize } from './shelf-answer.ts';

test("a request's limits fit one invocation: a whole shelf in one answer, every context item passed on", () => {
  assert.ok(maxShelfSize <= invocationLimits.maxK);
  assert.ok(maxContextItems <= invocationLimits.maxItems);
  assert.ok(maxContextItems <= invocationLimits.maxExclude);
});
