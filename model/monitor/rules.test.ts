/**
 * The alert rules are real Prometheus rules: `promtool check rules` validates them and
 * `promtool test rules` fires them on made-up series (deploy/prometheus/*.test.yml). Every
 * metric they name is one the proxy or the monitor writes, so a rename cannot blind them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createMetrics, registerEventStoreMetrics } from '../../server/operations/metrics.ts';
import { monitorGauges } from './textfile.ts';

const rules = fileURLToPath(new URL('../../deploy/prometheus/reco-shelf.rules.yml', import.meta.url));
const unitTests = fileURLToPath(new URL('../../deploy/prometheus/reco-shelf.rules.test.yml', import.meta.url));
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const missing = promtool.error
  ? "promtool is not installed: apt-get install prometheus (Debian's package has it; .ci/run installs it)"
  : false;

describe('the alert rules', () => {
  it('pass promtool check rules', { skip: missing }, () => {
    const run = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SUCCESS: 11 rules found/);
  });

  it('fire on the unit tests and stay quiet where they should (promtool test rules)', { skip: missing }, () => {
    const run = spawnSync('promtool', ['test', 'rules', unitTests], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it('name only metrics the proxy or the monitor exports', async () => {
    // The event store's gauges are registered by the store the proxy opens: a stand-in gives their names.
    const metrics = createMetrics();
    const stats = { segmentsWaiting: 0, bytesWaiting: 0, diskBytes: 0, quarantinedLines: 0, windowIds: 0 };
    registerEventStoreMetrics(metrics, { stats: () => stats, health: () => ({ writable: true }) });
    const proxy = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const named = new Set([...readFileSync(rules, 'utf8').matchAll(/\b(reco_[a-z0-9_]+)/g)].map((m) => m[1]!));
    assert.ok(named.size >= 6, [...named].join(', '));
    for (const name of named) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(proxy.has(base) || base in monitorGauges, `${name} is neither a proxy metric nor a monitor gauge`);
    }
  });
});
