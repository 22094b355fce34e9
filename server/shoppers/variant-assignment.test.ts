import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { variantAssigner } from './variant-assignment.ts';

describe('variant assignment', () => {
  it('keeps each shopper on one variant', () => {
    const assign = variantAssigner({ 'model-a': 50, 'model-b': 50 });
    for (let i = 0; i < 100; i++) assert.equal(assign(`u:${i}`), assign(`u:${i}`));
  });

  it('splits shoppers by the configured weights', () => {
    const assign = variantAssigner({ 'model-a': 90, 'model-b': 10 });
    let b = 0;
    for (let i = 0; i < 10_000; i++) if (assign(`u:${10_000 + i}`) === 'model-b') b++;
    assert.ok(b > 850 && b < 1150, `model-b got ${b} of 10000`);
  });

  it('leaves the choice to SageMaker when no weights are set or the shopper is unknown', () => {
    assert.equal(variantAssigner({})('u:1'), undefined);
    assert.equal(variantAssigner({ a: 1 })(undefined), undefined);
  });
});
