/**
 * The weather flips mid-load (normal → hang → normal) under a steady 50 requests a
 * second: the breaker opens while the cloud hangs, closes once it is back, and
 * shoppers get model answers again; every answer is a 2xx meanwhile.
 * Probe interval 2 s (default 10 s) so the run stays short; failures to open: the default 5.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StartedChild } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { startLoad } from '../test-support/load-child.ts';
import { setWeather, sleep, startCloud } from '../test-support/targets.ts';
import type { RunningProxy } from '../../server/proxy.ts';
import { startProxyHere, watchForUnhandled } from '../test-support/in-process.ts';

describe('weather flips mid-load', { timeout: 60_000 }, () => {
  let cloud: StartedChild<CloudInfo>;
  let proxy: RunningProxy;
  before(async () => {
    cloud = await startCloud();
    proxy = await startProxyHere(cloud.info, { breakerProbeMs: 2000, cacheFreshMs: 0 });
  });
  after(async () => {
    await proxy?.close();
    await cloud?.stop();
  });

  it('normal → hang → normal: the breaker opens and closes, personalization returns', async (t) => {
    const watch = watchForUnhandled();
    const states: Array<{ at: number; state: string }> = [];
    const phases = { hangAt: 3000, normalAt: 7000, endAt: 14_000 };
    try {
      const load = await startLoad({
        baseUrl: proxy.url,
        path: '/v1/recommendations',
        body: '{"placement":"home","userId":"{user}"}',
        rate: 50,
        durationMs: phases.endAt,
        poolSize: 4000,
      });
      const t0 = Date.now();
      let last = '';
      let flippedToHang = false;
      let flippedBack = false;
      // Watch the breaker every 10 ms, flipping the weather on schedule; bounded by the run's length.
      while (Date.now() - t0 < phases.endAt + 500) {
        const at = Date.now() - t0;
        if (!flippedToHang && at >= phases.hangAt)
          await setWeather(cloud.info, 'hang').then(() => (flippedToHang = true));
        if (!flippedBack && at >= phases.normalAt)
          await setWeather(cloud.info, 'normal').then(() => (flippedBack = true));
        if (proxy.breaker.state !== last) states.push({ at, state: (last = proxy.breaker.state) });
        await sleep(10);
      }
      const run = await load.result;
      const offset = load.startedAt - t0; // the load child's clock zero on this timeline
      const lastSeconds = run.outcomes.filter((_, i) => run.sentAt[i]! + offset >= phases.endAt - 2000);
      const nonOk = run.outcomes.filter((o) => !o.startsWith('2'));
      t.diagnostic(`breaker: ${states.map((s) => `${s.state}@${s.at}ms`).join(' → ')}`);
      const bySource: Record<string, number> = {};
      for (const o of run.outcomes) bySource[o] = (bySource[o] ?? 0) + 1;
      t.diagnostic(
        `answers: ${JSON.stringify(bySource)}; ` +
          `last 2 s: ${lastSeconds.filter((o) => o.startsWith('200:model')).length} of ${lastSeconds.length} ` +
          'from the model',
      );
      assert.deepEqual(watch.problems, []);
      assert.equal(nonOk.length, 0, `non-2xx: ${nonOk.slice(0, 5).join(', ')}`);
      const opened = states.find((s) => s.state === 'open' && s.at >= phases.hangAt);
      assert.ok(opened, 'the breaker opened while the cloud hung');
      const closedAgain = states.find(
        (s) => s.state === 'closed' && s.at > (opened?.at ?? 0) && s.at >= phases.normalAt,
      );
      assert.ok(closedAgain, 'the breaker closed once the cloud was back');
      assert.equal(proxy.breaker.state, 'closed');
      assert.ok(
        lastSeconds.filter((o) => o.startsWith('200:model')).length >= lastSeconds.length * 0.9,
        'personalization is back in the last 2 s',
      );
    } finally {
      watch.stop();
      await setWeather(cloud.info, 'normal');
    }
  });
});
