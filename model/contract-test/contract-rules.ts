/**
 * The rules a model container keeps (docs/contracts.md "Proxy → endpoint"), each checked black-box
 * over HTTP as SageMaker and the proxy would call it: `/ping`, the warm-up body, every field's limits,
 * the error shape, the answer's schema and rules, `k` and `exclude` honoured, one version, the batch
 * body, and per-call latency over keep-alive. Each rule gives one line; any language may be behind
 * the URL.
 */
import {
  type InvocationAnswer,
  invocationAnswerSchema,
  invocationLimits,
  warmUpInvocation,
} from '../../contracts/invocation.ts';
import {
  checkBatchInvocationAnswer,
  checkInvocationAnswer,
  InvalidInvocationAnswerError,
  isJsonContentType,
} from '../../contracts/invocation-answer.ts';
import type { ContainerReply, ContractClient } from './container-client.ts';

/** The per-call latency a container must keep over keep-alive, measured from the caller. */
export interface LatencyTarget {
  p50Ms: number;
  p99Ms: number;
  calls: number;
}

/**
 * The stated target: the proxy's tightest budget is 150 ms for the whole shelf, network and
 * SageMaker's front end included, so the container's own round trip stays a small share of it.
 * The Nagle trap (headers and body in two writes without TCP_NODELAY) costs ~40 ms a call: it fails p50.
 */
export const defaultLatencyTarget: LatencyTarget = { p50Ms: 5, p99Ms: 30, calls: 500 };

/** One rule's verdict. */
export interface RuleResult {
  rule: string;
  ok: boolean;
  detail: string;
}

/** A shopper no model knows: the contract test's answers come from the container's cold path. */
const stranger = 'p_contract-test-stranger';
const { maxK, maxItems, maxExclude, maxIdLength } = invocationLimits;
const ids = (n: number, prefix = 'CT') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

class Breach extends Error {}
const breach = (message: string): never => {
  throw new Breach(message);
};

/** The answer of a body that must be answered: 200, JSON, the schema (the rules are checked by their own lines). */
async function answerOf(client: ContractClient, body: unknown): Promise<InvocationAnswer> {
  const reply = await client.invoke(body);
  if (reply.status !== 200) breach(`${JSON.stringify(body).slice(0, 60)} answered ${reply.status}, not 200`);
  let raw: unknown;
  try {
    raw = JSON.parse(reply.body);
  } catch {
    breach('a 200 answer is not JSON');
  }
  const parsed = invocationAnswerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    breach(`answer ${issue.path.join('.') || '(whole)'}: ${issue.message}`);
  }
  return parsed.data as InvocationAnswer;
}

/** Runs every rule against one container; never throws for what the container does. */
export async function runContractRules(
  client: ContractClient,
  target: LatencyTarget = defaultLatencyTarget,
): Promise<RuleResult[]> {
  const results: RuleResult[] = [];
  const refusals: Array<{ what: string; reply: ContainerReply }> = [];
  const answers: InvocationAnswer[] = [];

  async function rule(name: string, check: () => Promise<string>): Promise<void> {
    try {
      results.push({ rule: name, ok: true, detail: await check() });
    } catch (error) {
      const detail = error instanceof Breach ? error.message : `no usable answer: ${(error as Error).message}`;
      results.push({ rule: name, ok: false, detail });
    }
  }

  /** Every body must be refused with a 400 (or 415 for the content type); each refusal is kept for the shape. */
  async function refused(what: string, bodies: unknown[], status = 400): Promise<string> {
    for (const body of bodies) {
      const reply = await client.invoke(body);
      refusals.push({ what, reply });
      if (reply.status !== status) {
        breach(`${what} ${JSON.stringify(body).slice(0, 50)} answered ${reply.status}, not ${status}`);
      }
    }
    return `${bodies.length} bad bodies refused with ${status}`;
  }

  async function accepted(bodies: unknown[]): Promise<void> {
    for (const body of bodies) answers.push(await answerOf(client, body));
  }

  await rule('ping', async () => {
    const reply = await client.get('/ping');
    if (reply.status !== 200) breach(`GET /ping answered ${reply.status}; SageMaker waits for 200`);
    // SageMaker's health check gives a container 2 s.
    if (reply.ms > 2000) breach(`GET /ping took ${Math.round(reply.ms)} ms; SageMaker allows 2 s`);
    return `200 in ${reply.ms.toFixed(1)} ms`;
  });

  await rule('warm-up body', async () => {
    const answer = await answerOf(client, warmUpInvocation);
    checkInvocationAnswer(answer, warmUpInvocation.k);
    return `${JSON.stringify(warmUpInvocation)} answered with ${answer.recommendations.length} recommendation(s)`;
  });

  await rule('content type of the answer', async () => {
    const reply = await client.invoke({ userId: stranger, k: 5 });
    if (!isJsonContentType(reply.contentType)) breach(`Content-Type "${reply.contentType ?? 'none'}"`);
    return reply.contentType ?? '';
  });

  let full = 0;
  await rule('answer schema', async () => {
    await accepted([
      { userId: stranger, items: [], k: 24, exclude: [], placement: 'home' },
      { items: ['85123A', '22423'], k: 12, exclude: ['85123A', '22423'], placement: 'product' },
      { k: maxK },
    ]);
    full = answers.at(-1)!.recommendations.length;
    return `{ recommendations: [{ itemId, score }], modelVersion } on ${answers.length} bodies`;
  });

  await rule('k honoured', async () => {
    if (full === 0) breach(`k ${maxK} for a stranger answered nothing: a shelf needs at least popularity`);
    for (const k of [1, 5, 24]) {
      const { recommendations } = await answerOf(client, { userId: stranger, k });
      if (recommendations.length !== Math.min(k, full)) {
        breach(`k ${k} answered ${recommendations.length}; ${Math.min(k, full)} expected (${full} for k ${maxK})`);
      }
    }
    return `k 1, 5, 24 answered min(k, ${full})`;
  });

  await rule('exclude honoured', async () => {
    const first = (await answerOf(client, { userId: stranger, k: 10 })).recommendations.map((r) => r.itemId);
    const exclude = first.slice(0, 5);
    const again = (await answerOf(client, { userId: stranger, k: 10, exclude })).recommendations;
    const back = again.filter((r) => exclude.some((id) => id.toUpperCase() === r.itemId.toUpperCase()));
    if (back.length > 0) breach(`excluded ${back.map((r) => r.itemId).join(', ')} came back`);
    if (again.length === 0 && first.length > 5) breach('excluding 5 products emptied the answer');
    return `${exclude.length} excluded products kept out (${again.length} answered)`;
  });

  const long = 'x'.repeat(maxIdLength);
  await rule('limits: userId', async () => {
    await accepted([
      { userId: long, k: 3 },
      { userId: 'p_AbC-_9', k: 3 },
    ]);
    return await refused('userId', [{ userId: '' }, { userId: `${long}x` }, { userId: 7 }, { userId: null }]);
  });
  await rule('limits: items', async () => {
    await accepted([
      { items: ids(maxItems), k: 3 },
      { items: [long], k: 3 },
    ]);
    const bad = [
      { items: ids(maxItems + 1) },
      { items: 'A' },
      { items: [''] },
      { items: [`${long}x`] },
      { items: [7] },
    ];
    return await refused('items', bad);
  });
  await rule('limits: k', async () => {
    await accepted([{ k: 1 }, { k: maxK }, {}]);
    const defaulted = answers.at(-1)!.recommendations.length;
    if (defaulted !== Math.min(invocationLimits.defaultK, full)) breach(`no k answered ${defaulted}, not the default`);
    return await refused('k', [{ k: 0 }, { k: maxK + 1 }, { k: 2.5 }, { k: '5' }, { k: null }]);
  });
  await rule('limits: exclude', async () => {
    await accepted([{ exclude: ids(maxExclude, 'EX'), k: 3 }]);
    return await refused('exclude', [{ exclude: ids(maxExclude + 1, 'EX') }, { exclude: 'A' }, { exclude: [''] }]);
  });
  await rule('limits: placement', async () => {
    await accepted([
      { placement: 'home', k: 3 },
      { placement: 'warm-up', k: 3 },
    ]);
    return await refused('placement', [{ placement: 'Home' }, { placement: '' }, { placement: 'a'.repeat(65) }]);
  });
  await rule('unknown fields refused', () =>
    refused('an unknown field', [
      { k: 3, limit: 3 },
      { k: 3, user: 'x' },
    ]),
  );
  await rule('not JSON refused', () => refused('a body', ['{"k":', '[1]', '"k"']));
  await rule('content type refused', async () => {
    const reply = await client.invoke({ k: 3 }, 'text/plain');
    refusals.push({ what: 'text/plain', reply });
    if (reply.status !== 415) breach(`a text/plain body answered ${reply.status}, not 415`);
    return 'text/plain answered 415';
  });

  const everyAnswer = async (check: (answer: InvocationAnswer, i: number) => void) => {
    for (const [i, answer] of answers.entries()) check(answer, i);
  };
  await rule('best first', async () => {
    await everyAnswer((answer, i) => {
      const scores = answer.recommendations.map((r) => r.score);
      const at = scores.findIndex((score, j) => j > 0 && score > scores[j - 1]!);
      if (at > 0) breach(`answer ${i}: score ${scores[at]} after ${scores[at - 1]}`);
    });
    return `scores never rise down the list (${answers.length} answers)`;
  });

  await rule('no duplicates', async () => {
    await everyAnswer(({ recommendations }, i) => {
      const seen = new Set(recommendations.map((r) => r.itemId.toUpperCase()));
      if (seen.size !== recommendations.length) breach(`answer ${i} holds a product twice`);
    });
    return `no product twice (${answers.length} answers)`;
  });

  await rule('a version', async () => {
    const versions = new Set(answers.map((a) => a.modelVersion));
    if (versions.size !== 1) breach(`${versions.size} modelVersions across one run: ${[...versions].join(', ')}`);
    return `modelVersion "${[...versions][0]}"`;
  });

  await rule('error shape', async () => {
    for (const { what, reply } of refusals) {
      let error: unknown;
      try {
        error = (JSON.parse(reply.body) as { error?: unknown }).error;
      } catch {}
      if (!isJsonContentType(reply.contentType) || typeof error !== 'string' || error === '') {
        breach(`the ${reply.status} for ${what} is not application/json { "error": "…" }: ${reply.body.slice(0, 60)}`);
      }
    }
    return `${refusals.length} refusals as { "error": "…" }`;
  });

  await rule('batch body', async () => {
    const shelves = [
      { placement: 'home', items: [], k: 5, exclude: [] },
      { placement: 'product', items: ['85123A'], k: 3, exclude: ['85123A'] },
    ];
    const reply = await client.invoke({ userId: stranger, shelves });
    if (reply.status >= 400 && reply.status < 500 && reply.status !== 413 && reply.status !== 429) {
      return `refused with ${reply.status}: the proxy asks shelf by shelf (allowed)`;
    }
    if (reply.status !== 200) breach(`answered ${reply.status}: neither an answer nor a refusal`);
    try {
      checkBatchInvocationAnswer(JSON.parse(reply.body), [5, 3]);
    } catch (error) {
      breach(error instanceof InvalidInvocationAnswerError ? `${error.rule}: ${error.message}` : 'not JSON');
    }
    return 'answered one entry per shelf, in order';
  });

  await rule('latency', async () => {
    const bodies = [
      { userId: stranger, items: [], k: 24, exclude: [], placement: 'home' },
      { items: ['85123A'], k: 12, exclude: ['85123A'], placement: 'product' },
      { userId: 'p_contract-test-2', items: [], k: 48, exclude: ids(50, 'EX'), placement: 'basket' },
    ];
    const times: number[] = [];
    for (let i = 0; i < target.calls; i++) {
      const reply = await client.invoke(bodies[i % bodies.length]);
      if (reply.status !== 200) breach(`call ${i} answered ${reply.status}`);
      times.push(reply.ms);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    const [p50, p99] = [at(0.5), at(0.99)];
    const measured = `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${target.calls} keep-alive calls`;
    const wanted = `target p50 ≤ ${target.p50Ms} ms, p99 ≤ ${target.p99Ms} ms`;
    if (p50 > target.p50Ms || p99 > target.p99Ms) {
      const nagle = p50 > 30 && p50 < 60 ? ' (about 40 ms a call: the Nagle trap? set TCP_NODELAY)' : '';
      breach(`${measured}; ${wanted}${nagle}`);
    }
    return `${measured} (${wanted})`;
  });

  return results;
}
