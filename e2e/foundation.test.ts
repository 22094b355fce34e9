import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningStack } from '../demo/processes.ts';
import { setWeather } from '../test-support/weather.ts';
import { assertAnsweredWithinBudget, newShopperContext, openAndReadShelf, startE2e, trackShelves } from './harness.ts';

describe('storefront → shelf → proxy → SageMaker runtime → model', () => {
  let stack: RunningStack;
  let browser: Browser;
  let e2e: Awaited<ReturnType<typeof startE2e>> | undefined;
  before(async () => {
    e2e = await startE2e();
    ({ stack, browser } = e2e);
  });
  after(() => e2e?.close());

  it('shows a real customer model products, then fallback ones within budget when the cloud turns slow', async () => {
    const context = await newShopperContext(browser);
    const page = await context.newPage();
    await trackShelves(page);
    // Signing in redirects to the home page: its first view.
    const personal = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=17850`, '#home-shelf');
    assert.equal(personal.source, 'model', JSON.stringify(personal));
    assert.equal(personal.count, 8);
    assert.equal(personal.titles.length, 8);
    assert.ok(personal.titles.every((t) => t.length > 0));

    await setWeather(stack.urls.sagemaker, 'slow', 2000);
    const answered = page.waitForResponse((res) => res.url().includes('/v1/recommendations'));
    const fallback = await openAndReadShelf(page, `${stack.urls.storefront}/login?customer=12347`, '#home-shelf');
    assert.equal(fallback.source, 'fallback');
    assert.equal(fallback.fallbackReason, 'timeout');
    assert.equal(fallback.count, 8);
    await assertAnsweredWithinBudget(await answered, 'the fallback shelf');
    await setWeather(stack.urls.sagemaker, 'normal');
    await context.close();
  });
});
