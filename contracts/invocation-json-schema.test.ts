import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { invocationLimits, maxBatchShelves } from './invocation.ts';
import { invocationJsonSchemas } from './invocation-json-schema.ts';

const committed = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

test('the committed JSON Schemas are what the zod contract generates (npm run contracts:schemas)', () => {
  const generated = invocationJsonSchemas();
  assert.equal(Object.keys(generated).length, 4);
  for (const [file, schema] of Object.entries(generated)) {
    assert.deepEqual(committed(file), schema, `contracts/${file} is stale: run npm run contracts:schemas`);
  }
});

test('the schemas carry the limits, the closed request and the open answer', () => {
  const request = committed('invocation-request.schema.json') as {
    $schema: string;
    additionalProperties: boolean;
    properties: Record<string, { maximum?: number; maxItems?: number; pattern?: string }>;
  };
  assert.equal(request.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(request.additionalProperties, false);
  assert.equal(request.properties.k?.maximum, invocationLimits.maxK);
  assert.equal(request.properties.items?.maxItems, invocationLimits.maxItems);
  assert.equal(request.properties.exclude?.maxItems, invocationLimits.maxExclude);
  const batch = committed('batch-invocation-request.schema.json') as {
    required: string[];
    properties: { shelves: { maxItems: number; items: { required: string[]; additionalProperties: boolean } } };
  };
  assert.deepEqual(batch.required, ['shelves']);
  assert.equal(batch.properties.shelves.maxItems, maxBatchShelves);
  assert.deepEqual(batch.properties.shelves.items.required, ['placement']);
  assert.equal(batch.properties.shelves.items.additionalProperties, false);
  const answer = committed('invocation-answer.schema.json') as { required: string[]; additionalProperties: unknown };
  assert.deepEqual(answer.required, ['recommendations', 'modelVersion']);
  assert.deepEqual(answer.additionalProperties, {}, 'an answer may carry fields of its own');
});
