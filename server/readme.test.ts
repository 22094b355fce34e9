/**
 * The operator's guide is the proxy's reference: its configuration table and metric list must say
 * what the code does, and no other guide may name a metric that does not exist. These tests fail
 * when an option, a default or a metric changes in one place and not the other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaults, environmentVariables, type ProxyConfig } from './config.ts';
import { startStack } from '../workshop/test-support/stack.ts';
import { monitorGauges } from '../model/monitor/textfile.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../docs/operator-guide.md', import.meta.url), 'utf8');
/** The other guides, which may name a metric in passing. */
const otherGuides = ['README.md', 'CONTRIBUTING.md', 'widget/README.md', 'model/README.md', 'docs/contracts.md'];
/** `reco_…` names in the guides that are not metrics: GA4's custom parameter (`widget/README.md`). */
const notMetrics = ['reco_source'];

/** The `reco_…` metric names a Markdown text names, in backticks, bare or with labels. */
function metricsNamed(text: string): string[] {
  const names = [...text.matchAll(/`(reco_[a-z_]*[a-z])[`{]/g)].map((match) => match[1]!);
  return [...new Set(names)].filter((name) => !notMetrics.includes(name)).sort();
}

/** The `| \`VARIABLE\` | default | meaning |` rows of the configuration table. */
function configurationRows(): Map<string, string> {
  const section = readme.split('### Configuration')[1]?.split('\n### ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (name) rows.set(name, (cells[2] ?? '').replaceAll('`', ''));
  }
  return rows;
}

/** How the guide writes an option's default. */
function documented(value: ProxyConfig[keyof ProxyConfig]): string {
  if (value === undefined || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0))
    return 'unset';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string' && value.startsWith(root)) return relative(root, value);
  return String(value);
}

describe("the operator's guide", () => {
  it('lists every environment variable the proxy reads, and no other', () => {
    assert.deepEqual([...configurationRows().keys()].sort(), Object.keys(environmentVariables).sort());
  });

  it("gives every variable's default as the code has it", () => {
    for (const [name, cell] of configurationRows()) {
      const option = environmentVariables[name];
      if (!option) continue;
      const expected = documented(defaults[option]);
      assert.ok(
        cell.startsWith(expected),
        `${name}: the operator's guide says "${cell}", the code's default is "${expected}"`,
      );
    }
  });

  it('names every metric the proxy exports, and no other', async () => {
    // A whole proxy: some metrics are registered by the parts it starts (the event store).
    const stack = await startStack();
    const text = (await stack.admin('/metrics')).text;
    await stack.close();
    const exported = [...new Set([...text.matchAll(/^# TYPE (reco_[a-z_]+) /gm)].map((match) => match[1]!))].sort();
    const named = metricsNamed(readme);
    // Shipping's metrics exist only when a bucket is set (RECO_EVENTS_S3_BUCKET); the guide names them too.
    const shippingOnly = [
      'reco_events_bytes_waiting',
      'reco_events_last_upload_timestamp_seconds',
      'reco_events_segments_waiting',
      'reco_events_upload_failures',
      'reco_events_uploads',
    ];
    // `npm run monitor` writes its own gauges (a textfile, not the proxy); the guide names them too.
    const monitorOnly = Object.keys(monitorGauges);
    for (const name of monitorOnly) assert.ok(named.includes(name), `${name} is not in the operator's guide`);
    assert.deepEqual(
      named.filter((name) => !shippingOnly.includes(name) && !monitorOnly.includes(name)),
      exported.filter((name) => !shippingOnly.includes(name)),
    );
    for (const name of shippingOnly) assert.ok(named.includes(name), `${name} is not in the operator's guide`);
  });

  it('is the only list of metrics: every metric another guide names is in it', () => {
    const listed = metricsNamed(readme);
    for (const guide of otherGuides) {
      const text = readFileSync(new URL(`../${guide}`, import.meta.url), 'utf8');
      const unknown = metricsNamed(text).filter((name) => !listed.includes(name));
      assert.deepEqual(unknown, [], `${guide} names metrics the operator's guide does not list`);
    }
  });
});
