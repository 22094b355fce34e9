/**
 * `npm run model:contract -- --url URL [--p50-ms N] [--p99-ms N] [--calls N]`: checks a running model
 * container, in any language, against the contract (docs/contracts.md "Proxy → endpoint"), one line
 * per rule. Exit 0 when every rule holds, 1 on a breach, 2 on bad options. A report for a person, so
 * it prints with `console` (CONTRIBUTING.md "Logging").
 */
import { parseArgs } from 'node:util';
import { contractClient } from './container-client.ts';
import { defaultLatencyTarget, type LatencyTarget, runContractRules } from './contract-rules.ts';

const usage =
  'usage: npm run model:contract -- --url http://127.0.0.1:8081 ' +
  `[--p50-ms ${defaultLatencyTarget.p50Ms}] [--p99-ms ${defaultLatencyTarget.p99Ms}] ` +
  `[--calls ${defaultLatencyTarget.calls}]`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

function options(argv: string[]): { url: string; target: LatencyTarget } {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'p50-ms': { type: 'string' },
      'p99-ms': { type: 'string' },
      calls: { type: 'string' },
    },
  });
  if (!values.url) throw new Error('--url is required');
  const url = new URL(values.url);
  if (url.protocol !== 'http:') throw new Error(`--url must be http://, got "${values.url}"`);
  return {
    url: url.origin,
    target: {
      p50Ms: positive('p50-ms', values['p50-ms'], defaultLatencyTarget.p50Ms),
      p99Ms: positive('p99-ms', values['p99-ms'], defaultLatencyTarget.p99Ms),
      calls: Math.round(positive('calls', values.calls, defaultLatencyTarget.calls)),
    },
  };
}

let parsed: ReturnType<typeof options>;
try {
  parsed = options(process.argv.slice(2));
} catch (error) {
  console.error(`model:contract: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const client = contractClient(parsed.url);
console.log(`model:contract: ${parsed.url}`);
const results = await runContractRules(client, parsed.target);
client.close();
const width = Math.max(...results.map((r) => r.rule.length));
for (const { rule, ok, detail } of results) console.log(`${ok ? 'PASS' : 'FAIL'}  ${rule.padEnd(width)}  ${detail}`);
const failed = results.filter((r) => !r.ok);
console.log(
  failed.length === 0
    ? `model:contract: all ${results.length} rules hold`
    : `model:contract: ${failed.length} of ${results.length} rules broken: ${failed.map((r) => r.rule).join(', ')}`,
);
process.exit(failed.length === 0 ? 0 : 1);
