/**
 * The README is the operator's reference: its configuration table and metric list must say
 * what the code does. These tests fail when an option, a default or a metric changes in one
 * place and not the other.
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
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

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

/** How the README writes an option's default. */
function documented(value: ProxyConfig[keyof ProxyConfig]): string {
  if (value === undefined || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0))
    return 'unset';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string' && value.startsWith(root)) return relative(root, value);
  return String(value);
}

describe('the README', () => {
  it('lists every environment variable the proxy reads, and no other', () => {
    assert.deepEqual([...configurationRows().keys()].sort(), Object.keys(environmentVariables).sort());
  });

  it("gives every variable's default as the code has it", () => {
    for (const [name, cell] of configurationRows()) {
      const option = environmentVariables[name];
      if (!option) continue;
      const expected = documented(defaults[option]);
      assert.ok(cell.startsWith(expected), `${name}: the README says "${cell}", the code's default is "${expected}"`);
    }
  });

  it('names every metric the proxy exports, and no other', async () => {
    // A whole proxy: some metrics are registered by the parts it starts (the event store).
    const stack = await startStack();
    const text = (await stack.admin('/metrics')).text;
    await stack.close();
    const exported = [...new Set([...text.matchAll(/^# TYPE (reco_[a-z_]+) /gm)].map((match) => match[1]!))].sort();
    const named = [...new Set([...readme.matchAll(/`(reco_[a-z_]*[a-z])[`{]/g)].map((match) => match[1]!))].sort();
    // Shipping's metrics exist only when a bucket is set (RECO_EVENTS_S3_BUCKET); the README names them too.
    const shippingOnly = [
      'reco_events_bytes_waiting',
      'reco_events_last_upload_timestamp_seconds',
      'reco_events_segments_waiting',
      'reco_events_upload_failures',
      'reco_events_uploads',
    ];
    // `npm run monitor` writes its own gauges (a textfile, not the proxy); the README names them too.
    const monitorOnly = Object.keys(monitorGauges);
    for (const name of monitorOnly) assert.ok(named.includes(name), `${name} is not in the README`);
    assert.deepEqual(
      named.filter((name) => !shippingOnly.includes(name) && !monitorOnly.includes(name)),
      exported.filter((name) => !shippingOnly.includes(name)),
    );
    for (const name of shippingOnly) assert.ok(named.includes(name), `${name} is not in the README`);
  });
});
