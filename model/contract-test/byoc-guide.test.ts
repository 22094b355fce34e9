/**
 * model/README.md "Bring your own container" stays true where a team copies from it: the pseudonym's
 * test vector is what contracts/pseudonym.ts gives, and its Python snippet gives the same; the latency
 * target it states is the contract test's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import { defaultLatencyTarget } from './contract-rules.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const guide = readme.slice(readme.indexOf('## Bring your own container'), readme.indexOf('\n## Tests'));
const vector = /key `([^`]+)`, customer `([^`]+)` →\s+`(p_[A-Za-z0-9_-]{22})`/.exec(guide);

test('the pseudonym test vector is what the proxy computes', () => {
  assert.ok(vector, 'the guide states a test vector: key `…`, customer `…` → `p_…`');
  const [, key, customer, pseudonym] = vector;
  assert.equal(pseudonymOf(customer!, key!), pseudonym);
});

test("the guide's Python snippet gives the same pseudonym", () => {
  const snippet = /\n {4}import base64[\s\S]*?\n(?=\n)/.exec(guide)?.[0] ?? '';
  assert.match(snippet, /def pseudonym/);
  const [, key, customer] = vector!;
  const call = `print(pseudonym(${JSON.stringify(customer)}, ${JSON.stringify(key)}))`;
  const code = `${snippet.replace(/^ {4}/gm, '')}\n${call}`;
  const printed = execFileSync(process.env.PYTHON ?? 'python3', ['-c', code], { encoding: 'utf8' }).trim();
  assert.equal(printed, vector![3]);
});

test('the latency target the guide states is the contract test’s', () => {
  const { p50Ms, p99Ms } = defaultLatencyTarget;
  assert.ok(guide.includes(`**p50 ≤ ${p50Ms} ms and p99 ≤ ${p99Ms} ms per call over keep-alive**`));
});
