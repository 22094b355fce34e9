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
import { createMetrics } from './metrics.ts';

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
    const exported = (await createMetrics().registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('reco_'))
      .sort();
    const operations = readme.split('### Operations')[1]?.split('\n## ')[0] ?? '';
    const named = [...new Set([...operations.matchAll(/`(reco_[a-z_]+)/g)].map((match) => match[1]!))].sort();
    assert.deepEqual(named, exported);
  });
});
