/**
 * A candidate the gate scores black-box: any running container that keeps the invocation contract
 * (`contracts/invocation.ts`), asked through `POST /invocations` as the proxy asks it — the shopper by
 * pseudonym (the gathered purchases are keyed with RECO_PSEUDONYM_KEY, as the proxy keys its calls),
 * the contract's body, JSON in and out. Every question of a view is asked before scoring (the
 * evaluation is synchronous), a few at a time over keep-alive; the answers are then replayed in the
 * evaluation's fixed order, so the container's NDCG (at the view's k) pairs customer by customer with the others'.
 */
import { type InvocationAnswer, invocationLimits } from '../../contracts/invocation.ts';
import { queriesOf, type View } from '../evaluation/evaluate-recommender.ts';
import type { TemporalSplit } from '../evaluation/split.ts';
import type { Recommender, Scored } from '../recommenders/types.ts';
import { gateViews } from './gate.ts';
import type { GateModel } from './gate-scoring.ts';
import { type GateResult, gateCandidate, type TestWindow } from './gate-window.ts';
import { readShippedConfig } from '../training/shipped-config.ts';
import type { GateRules } from './gate.ts';
import { RetrainError } from './retrain-error.ts';

/** How the container is asked. */
export interface ContainerCandidateOptions {
  /** The container's base URL (`${url}/invocations`). */
  url: string;
  /** The placement named in each body (the home shelf: a shopper's own recommendations). */
  placement?: string;
  /** Calls in flight at once. */
  concurrency?: number;
  /** Longest wait for one answer. */
  timeoutMs?: number;
}

/** The container as a gate model, plus what it said about itself. */
export interface ContainerCandidate extends GateModel {
  /** The `modelVersion` of its answers (the first; a container that changes version mid-run is refused). */
  modelVersion: string;
  calls: number;
}

const fail = (message: string): never => {
  throw new RetrainError('candidateFailed', `candidate container: ${message}`);
};

/** Checks an answer's shape as the contract states it; returns it typed. */
function parseAnswer(text: string, at: string): InvocationAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(`${at}: the answer is not JSON: ${text.slice(0, 80)}`);
  }
  const answer = body as Partial<InvocationAnswer> | null;
  if (typeof answer?.modelVersion !== 'string' || answer.modelVersion === '')
    fail(`${at}: the answer has no modelVersion`);
  if (!Array.isArray(answer?.recommendations)) fail(`${at}: the answer has no recommendations list`);
  for (const r of answer!.recommendations!)
    if (typeof r?.itemId !== 'string' || typeof r.score !== 'number')
      fail(`${at}: a recommendation is not { itemId: string, score: number }: ${JSON.stringify(r).slice(0, 80)}`);
  return answer as InvocationAnswer;
}

/** Asks the container every gated view's questions; resolves to a gate model replaying its answers. */
export async function containerCandidate(
  split: TemporalSplit,
  options: ContainerCandidateOptions,
): Promise<ContainerCandidate> {
  const url = `${options.url.replace(/\/+$/, '')}/invocations`;
  const placement = options.placement ?? 'home';
  const timeoutMs = options.timeoutMs ?? 10_000;
  let modelVersion: string | undefined;
  let calls = 0;
  const answers = new Map<View, { lists: Scored[][]; users: (number | undefined)[] }>();
  // An item the training data never sold cannot be relevant (the split counts those lines apart):
  // it keeps its place in the list as a distinct miss, as the serving adapter does.
  let unseen = -1;
  for (const view of gateViews) {
    const queries = queriesOf(split, view);
    const lists: Scored[][] = new Array(queries.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queries.length) {
        const t = next++;
        const { query } = queries[t]!;
        const exclude = query.exclude ? [...query.exclude] : [];
        const body = {
          ...(query.user === undefined ? {} : { userId: split.train.userIds[query.user]! }),
          // The items in view (none in views `all` and `new`; a view with context sends it as the proxy does).
          items: (query.context ?? []).slice(0, invocationLimits.maxItems).map((i) => split.train.itemIds[i]!),
          // At most the contract's limit of exclusions, as the proxy sends; whatever is cut is filtered from the
          // answer below, and asked for as extra answers (up to the contract's k) so the list stays k long.
          k: Math.min(invocationLimits.maxK, query.k + Math.max(0, exclude.length - invocationLimits.maxExclude)),
          exclude: exclude.slice(0, invocationLimits.maxExclude).map((i) => split.train.itemIds[i]!),
          placement,
        };
        const at = `view ${view}, question ${t + 1} of ${queries.length}`;
        let res: Response;
        try {
          res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          return fail(`${at}: ${url} did not answer (${(error as Error).message})`);
        }
        const text = await res.text();
        calls++;
        if (res.status !== 200) fail(`${at}: status ${res.status}: ${text.slice(0, 120)}`);
        const answer = parseAnswer(text, at);
        modelVersion ??= answer.modelVersion;
        if (answer.modelVersion !== modelVersion)
          fail(`${at}: modelVersion changed from ${modelVersion} to ${answer.modelVersion} during the run`);
        const seen = new Set<number>();
        const ranked: Scored[] = [];
        for (const r of answer.recommendations) {
          const item = split.train.itemIndex.get(r.itemId) ?? unseen--;
          if (seen.has(item) || query.exclude?.has(item)) continue;
          seen.add(item);
          ranked.push({ item, score: r.score });
        }
        lists[t] = ranked.slice(0, query.k);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
    answers.set(view, { lists, users: queries.map((q) => q.query.user) });
  }
  return {
    name: 'candidate',
    modelVersion: modelVersion ?? 'unknown',
    calls,
    forView(view: View): Recommender {
      const asked = answers.get(view);
      if (!asked) throw new Error(`container candidate: view ${view} was not asked`);
      // The evaluation asks in queriesOf's order, once each: the answers are handed back in that order.
      let t = 0;
      return {
        name: 'candidate',
        recommend(query) {
          const i = t++;
          if (query.user !== asked.users[i]) throw new Error(`container candidate: question ${i + 1} out of order`);
          return asked.lists[i] ?? [];
        },
      };
    },
  };
}

/** A container judged on a window: its verdict, rows, and what it said its version was. */
export interface ContainerVerdict extends GateResult {
  candidate: { url: string; modelVersion: string; calls: number };
}

/** Asks the container every test customer's question and judges it. */
export async function gateContainer(window: TestWindow, url: string, rules: GateRules): Promise<ContainerVerdict> {
  const candidate: ContainerCandidate = await containerCandidate(window.split, { url });
  // The comparators' parameters are the shipped recipe's (buy-again's half-life).
  const result = gateCandidate(window, candidate, readShippedConfig().params, rules);
  return { ...result, candidate: { url, modelVersion: candidate.modelVersion, calls: candidate.calls } };
}
