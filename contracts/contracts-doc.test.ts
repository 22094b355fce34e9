/**
 * docs/contracts.md is what a newcomer reads instead of the code: every heading the code
 * cites must exist; the limits it states must be the ones the code keeps; its fallback reasons
 * must be exactly the answer's; and every `RECO_*` variable it names must be one a process reads.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { maxBodyBytes as containerBodyBytes } from '../model/container/app.ts';
import { knownEnvironmentVariables } from '../server/config.ts';
import { maxBatchBytes } from '../server/events/shelf-event.ts';
import { smallBodyBytes } from '../server/http/request-body.ts';
import {
  eventIdLength,
  itemIdPattern,
  maxRequestIdLength,
  maxShopperIdLength,
  placementPattern,
  printablePattern,
} from './ids.ts';
import { defaultLatencyTarget } from '../model/contract-test/contract-rules.ts';
import { invocationLimits, maxBatchShelves, maxModelVersionLength, warmUpInvocation } from './invocation.ts';
import { answerRules } from './invocation-answer.ts';
import { minPseudonymKeyBytes } from './pseudonym.ts';
import { fallbackReasons, maxContextItems, maxEventBatch, maxShelfSize, maxShelvesPerRequest } from './shelf-answer.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/contracts.md'), 'utf8');
const headings = new Set([...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.trim()));

/** The text under `## heading`, up to the next heading of that level. */
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/contracts.md has no "## ${heading}"`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

/** Source and documentation files of the project: not dependencies, builds or data. */
function projectFiles(dir: string): string[] {
  const skipped = new Set(['node_modules', 'dist', 'artifacts', 'var', 'data']);
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || skipped.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...projectFiles(path));
    else if (/\.(ts|js|mjs|md|css|html)$|^Dockerfile$/.test(name)) found.push(path);
  }
  return found;
}

test('every heading cited as docs/contracts.md "…" exists in docs/contracts.md', () => {
  const citations: Array<{ file: string; heading: string }> = [];
  for (const path of projectFiles(root)) {
    if (path === fileURLToPath(import.meta.url)) continue; // this file names the pattern, it cites nothing
    // A citation may wrap across comment lines: `docs/contracts.md\n * "Shopper tokens"`.
    for (const m of readFileSync(path, 'utf8').matchAll(/docs\/contracts\.md[\s*/#]*"([^"\n]+)"/g)) {
      citations.push({ file: relative(root, path), heading: m[1]! });
    }
  }
  assert.ok(citations.length >= 5, `only ${citations.length} citations found; is the pattern still right?`);
  const missing = citations.filter(({ heading }) => !headings.has(heading));
  assert.deepEqual(missing, [], `cited headings missing from docs/contracts.md: ${JSON.stringify(missing)}`);
});

test('every section docs/contracts.md refers to as (see "…") exists', () => {
  const references = [...doc.matchAll(/see "([^"\n]+)"/g)].map((m) => m[1]!);
  assert.ok(references.length > 0);
  assert.deepEqual(
    references.filter((heading) => !headings.has(heading)),
    [],
  );
});

test('the invocation limits stated in "Proxy → endpoint" are contracts/invocation.ts\'s', () => {
  const text = section('Proxy → endpoint');
  const stated = Object.fromEntries([...text.matchAll(/`(\w+)` (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  assert.deepEqual(stated, { ...invocationLimits }, 'the list "(`maxK` 100, …)" differs from invocationLimits');
  // The same numbers in the prose a reader takes in first.
  const { maxK, defaultK, maxItems, maxExclude, maxIdLength } = invocationLimits;
  const prose: Array<[string, RegExp]> = [
    ['items', new RegExp(`- \`items\`:[^\\n]*at most ${maxItems}\\.`)],
    ['k', new RegExp(`- \`k\`:[^\\n]*1\\.\\.${maxK} \\(default ${defaultK}\\)`)],
    ['k cap', new RegExp(`capped at ${maxK}\\.`)],
    ['exclude', new RegExp(`- \`exclude\`:[^\\n]*at most ${maxExclude}\\.`)],
    ['exclude cut', new RegExp(`cuts at ${maxExclude}`)],
    ['ids', new RegExp(`at most ${maxIdLength} characters\\.`)],
  ];
  for (const [what, pattern] of prose) assert.match(text, pattern, `"Proxy → endpoint" states ${what} differently`);
});

/** The backticked words of `text`. */
const quoted = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

test("the fallback reasons in docs/contracts.md are exactly contracts/shelf-answer.ts's", () => {
  const reasons = new Set<string>(fallbackReasons);
  // The answer's field, where a storefront developer reads what each reason means.
  const bullet = section('Widget → proxy').match(/\n- `fallbackReason`:[\s\S]*?(?=\n- `)/)?.[0] ?? '';
  const listed = quoted(bullet).filter((word) => /^[a-z-]+$/.test(word) && word !== 'null');
  assert.deepEqual([...listed].sort(), [...reasons].sort(), 'the `fallbackReason` bullet of "Widget → proxy"');
  // The metric's split of the same reasons into fallbacks, model answers and not counted.
  const metric = section('Proxy → CloudWatch').match(/\n- by `fallbackReason`:[\s\S]*?(?=\n- )/)?.[0] ?? '';
  const counted = quoted(metric).filter((word) => reasons.has(word));
  assert.deepEqual(
    [...counted].sort(),
    [...reasons].sort(),
    'the "by `fallbackReason`" bullet of "Proxy → CloudWatch"',
  );
  // The classification table's reasons column (its heading aside) names no reason the answer lacks.
  const classified = [...section('Proxy → endpoint').matchAll(/^\|[^|\n]+\| `([^`]+)` +\|/gm)]
    .map((m) => m[1]!)
    .filter((cell) => cell !== 'fallbackReason');
  assert.ok(classified.length >= 10, 'the table "what happened | fallbackReason | label" was not found');
  assert.deepEqual(
    classified.filter((reason) => !reasons.has(reason)),
    [],
  );
});

test('every limit docs/contracts.md states is the constant the code keeps', () => {
  const kB = (bytes: number) => bytes / 1024;
  const stated: Array<[string, string, RegExp]> = [
    ['Widget → proxy', 'the body', new RegExp(`at most ${kB(smallBodyBytes)} kB`)],
    [
      'Widget → proxy',
      'items',
      new RegExp(`\\| \`items\` +\\| optional; context product ids, at most ${maxContextItems} `),
    ],
    [
      'Widget → proxy',
      'limit',
      new RegExp(`\\| \`limit\` +\\| optional; shelf size, a whole number 1\\.\\.${maxShelfSize};`),
    ],
    ['Widget → proxy', 'the shelves of a page', new RegExp(`- \`shelves\`: 1\\.\\.${maxShelvesPerRequest} shelves`)],
    ['Proxy → endpoint', 'the batch body', new RegExp(`at most ${maxBatchShelves} shelves \\(\`maxBatchShelves\``)],
    ['Proxy → endpoint', "the container's body", new RegExp(`\`413\` \\(over ${kB(containerBodyBytes)} kB\\)`)],
    ['Events', 'the batch', new RegExp(`1\\.\\.${maxEventBatch} events a batch`)],
    ['Events', 'the batch refused', new RegExp(`empty, over ${maxEventBatch}\\)`)],
    [
      'Events',
      'the batch body',
      new RegExp(`fits ${maxEventBatch} of the longest events \\(about ${(maxBatchBytes / 1e6).toFixed(1)} MB\\)`),
    ],
    ['Events', 'the event id', new RegExp(`required; ${eventIdLength.min}-${eventIdLength.max} of`)],
    ['Ids', 'the request id', new RegExp(`at most ${maxRequestIdLength}\\s+printable characters`)],
    ['Ids', 'the shopper id', new RegExp(`1-${maxShopperIdLength} printable characters`)],
    ['Pseudonyms', 'the key', new RegExp(`\`RECO_PSEUDONYM_KEY\` \\(at least ${minPseudonymKeyBytes} bytes\\)`)],
  ];
  for (const [heading, what, pattern] of stated) {
    assert.match(section(heading), pattern, `"${heading}" states ${what} differently from the code`);
  }
  // Every "1..N" a `limit` message quotes, wherever it is.
  for (const m of doc.matchAll(/limit: must be a whole number 1\.\.(\d+)/g)) assert.equal(Number(m[1]), maxShelfSize);
  // The id rules are patterns: the lengths the doc states are where the patterns stop.
  const ids = section('Ids');
  const longest = (pattern: RegExp, char: string) => {
    let n = 1;
    while (pattern.test(char.repeat(n + 1))) n++;
    return n;
  };
  assert.match(ids, new RegExp(`\\*\\*placement name\\*\\*:[^\\n]*1-${longest(placementPattern, 'a')} characters`));
  assert.match(ids, new RegExp(`\\*\\*product id\\*\\*:[^\\n]*1-${longest(itemIdPattern, 'A')} characters`));
  assert.ok(!printablePattern.test('a\u0000b'), 'shopper ids refuse control characters, as "Ids" says');
});

test('every RECO_* variable docs/contracts.md names is one a process reads', () => {
  const named = [...new Set([...doc.matchAll(/\bRECO_[A-Z0-9_]+/g)].map((m) => m[0]))];
  assert.ok(named.length >= 10, `only ${named.length} variables found; is the pattern still right?`);
  const known = new Set(knownEnvironmentVariables);
  assert.deepEqual(
    named.filter((name) => !known.has(name)),
    [],
  );
});

test('"Proxy → endpoint" states the warm-up body, the answer rules and the latency target the code keeps', () => {
  const text = section('Proxy → endpoint');
  assert.ok(text.includes(`\`${JSON.stringify(warmUpInvocation)}\``), 'the warm-up body differs from warmUpInvocation');
  const listed = text.match(/logs, at `warn`, the\s+rule \(([^)]+)\)/)?.[1] ?? '';
  assert.deepEqual(quoted(listed), [...answerRules], 'the rules the proxy logs differ from answerRules');
  assert.match(text, new RegExp(`1-${maxModelVersionLength} characters \\(\`maxModelVersionLength\`\\)`));
  const { p50Ms, p99Ms } = defaultLatencyTarget;
  assert.match(text, new RegExp(`\\*\\*p50 ≤ ${p50Ms} ms and p99 ≤ ${p99Ms} ms over keep-alive\\*\\*`));
});
