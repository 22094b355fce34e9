/**
 * The family every collaborative model here is served as: a dense item-item weight matrix
 * over the top-N items (EASE's B, or item-kNN's similarities), blended with the user's own
 * repeat purchases and a whisper of popularity. Evaluation and the container both score
 * through this one class, so what is measured is what is served.
 */
import { topK } from './top-k.ts';
import { neighbourScorer } from './user-neighbours.ts';
import type { RerankPart } from './rerank-features.ts';
import type { Query, Recommender, Scored } from './types.ts';

/** Everything an item-item recommender needs; also exactly what the artifact stores. */
export interface ItemItemParts {
  name: string;
  /** Number of items known (the catalog the model can recommend from). */
  itemCount: number;
  /** The matrix covers items 0..modelItems-1 (the most popular ones). */
  modelItems: number;
  /** Row-major modelItems×modelItems: row h = what having item h adds to each item. */
  itemItem: Float32Array;
  /** Cold-start scores per item, in [0, 1]. */
  popularity: Float32Array;
  /** Users' histories (CSR, aligned) with their repeat (buy-again) scores. */
  userPtr: Int32Array;
  userItems: Int32Array;
  userRepeat: Float32Array;
  /** Weight of the buy-again part in [0, 1]; 0 = pure collaborative. */
  repeatWeight: number;
  /** At most this many of a user's items (highest repeat score first) feed the matrix; bounds latency. */
  historyCap: number;
  /**
   * Weight of `popularity` (recent buyers) beside a real signal: the trend prior. Absent: a whisper
   * (`POPULARITY_WEIGHT`) that only breaks ties.
   */
  trendWeight?: number;
  /** Each user's own weight of the buy-again part (replacing `repeatWeight` for known users), when present. */
  userRepeatWeight?: Float32Array;
  /**
   * The customer-to-customer part: `neighbourWeight` × the max-normalised mean vector of the user's
   * `neighbours` nearest customers (`user-neighbours.ts`), from `userVectors` (aligned with `userItems`).
   */
  neighbourWeight?: number;
  neighbours?: number;
  userVectors?: Float32Array;
  /** The nearest customers only re-rank the user's own past items (true), or every item (absent). */
  neighbourOwnOnly?: boolean;
  /** The learned re-ranker over the blend's best items (`reranker.ts`; absent: the blend's order). */
  rerank?: RerankPart;
}

/** Popularity only breaks ties and fills lists; it never outranks a real signal. */
const POPULARITY_WEIGHT = 1e-4;

/**
 * A known customer with context items (a product page, a basket) gets lists led by the
 * context: summed with a long history, one context row would otherwise vanish and
 * "bought together" would repeat the home shelf.
 */
export const CONTEXT_SHARE = 0.7;

/**
 * A recommender over the parts; `recommend` costs O(history × modelItems + itemCount).
 * `precomputeUsers` (the container sets it) sums every user's matrix rows once at start-up
 * (~0.5 s, 4 bytes × users × modelItems) so a known user costs O(context × modelItems + itemCount).
 */
/**
 * The blend's parts behind the last `recommend` (buffers reused by the next call): the collaborative
 * row sums `cf` (first `modelItems` entries, max `cfMax`) and the nearest customers' vector (max
 * `neighbourMax`, 0 when none). The re-ranker reads them as features instead of scoring twice.
 */
export interface LastParts {
  cf: Float64Array;
  cfMax: number;
  neighbours: Float64Array | undefined;
  neighbourMax: number;
}

/** An item-item recommender that also shows the parts of its last answer. */
export interface ItemItemRecommender extends Recommender {
  lastParts(): LastParts;
}

export function itemItemRecommender(
  parts: ItemItemParts,
  options: { precomputeUsers?: boolean } = {},
): ItemItemRecommender {
  const {
    itemCount,
    modelItems: n,
    itemItem,
    popularity,
    userPtr,
    userItems,
    userRepeat,
    repeatWeight,
    historyCap,
  } = parts;
  if (itemItem.length !== n * n)
    throw new Error(`model: item-item matrix has ${itemItem.length} entries, expected ${n * n}`);
  const scores = new Float64Array(itemCount);
  const neighbourWeight = parts.userVectors ? (parts.neighbourWeight ?? 0) : 0;
  const nearest =
    neighbourWeight > 0
      ? neighbourScorer(userPtr, userItems, parts.userVectors!, itemCount, parts.neighbours ?? 100)
      : undefined;
  const fromNeighbours = nearest ? new Float64Array(itemCount) : undefined;
  const cf = new Float64Array(n);
  const contextCf = new Float64Array(n);
  const inProfile = new Uint8Array(n);
  const last: LastParts = { cf, cfMax: 0, neighbours: undefined, neighbourMax: 0 };
  // Heavy buyers' capped profiles are sorted once here, not on the request path.
  const capped = new Map<number, Int32Array>();
  for (let user = 0; user + 1 < userPtr.length; user++) {
    const from = userPtr[user]!,
      to = userPtr[user + 1]!;
    if (to - from <= historyCap) continue;
    const order = Array.from({ length: to - from }, (_, t) => from + t).sort((a, b) => userRepeat[b]! - userRepeat[a]!);
    capped.set(user, Int32Array.from(order.slice(0, historyCap).map((p) => userItems[p]!)));
  }

  /** The user's items that feed the matrix: all, or the `historyCap` with the highest repeat score. */
  function profileOf(user: number): Int32Array {
    return capped.get(user) ?? userItems.subarray(userPtr[user]!, userPtr[user + 1]!);
  }

  const userCf = options.precomputeUsers ? new Float32Array((userPtr.length - 1) * n) : undefined;

  function addRow(h: number, profile: number[]): void {
    if (h < 0 || h >= n || inProfile[h]) return;
    inProfile[h] = 1;
    profile.push(h);
    const row = h * n;
    for (let j = 0; j < n; j++) cf[j] = cf[j]! + itemItem[row + j]!;
  }

  function recommend({ user, context, k, exclude }: Query): Scored[] {
    cf.fill(0);
    const profile: number[] = [];
    if (user !== undefined) {
      if (userCf) {
        // Rows were summed at start-up; only mark the profile so context items are not added twice.
        const base = user * n;
        for (let j = 0; j < n; j++) cf[j] = userCf[base + j]!;
        for (const h of profileOf(user))
          if (h < n && !inProfile[h]) {
            inProfile[h] = 1;
            profile.push(h);
          }
      } else for (const h of profileOf(user)) addRow(h, profile);
    }
    const hasHistory = user !== undefined && userPtr[user + 1]! > userPtr[user]!;
    const contextLed = hasHistory && context !== undefined && context.length > 0;
    if (context && !contextLed) for (const h of context) addRow(h, profile);
    for (const h of profile) inProfile[h] = 0;

    let cfMax = 0;
    if (profile.length > 0) for (let j = 0; j < n; j++) if (cf[j]! > cfMax) cfMax = cf[j]!;
    last.cfMax = cfMax;
    last.neighbours = undefined;
    last.neighbourMax = 0;
    const ownWeight = user !== undefined && parts.userRepeatWeight ? parts.userRepeatWeight[user]! : repeatWeight;
    const cfWeight = cfMax > 0 ? (1 - ownWeight) / cfMax : 0;
    // A cold start is popularity alone, so it gets popularity's full scale.
    const popularityWeight = cfMax > 0 || hasHistory ? (parts.trendWeight ?? POPULARITY_WEIGHT) : 1;
    for (let i = 0; i < n; i++) scores[i] = cf[i]! * cfWeight + popularity[i]! * popularityWeight;
    for (let i = n; i < itemCount; i++) scores[i] = popularity[i]! * popularityWeight;

    if (user !== undefined && ownWeight > 0) {
      const from = userPtr[user]!,
        to = userPtr[user + 1]!;
      let repeatMax = 0;
      for (let p = from; p < to; p++) if (userRepeat[p]! > repeatMax) repeatMax = userRepeat[p]!;
      if (repeatMax > 0) {
        const w = ownWeight / repeatMax;
        for (let p = from; p < to; p++) scores[userItems[p]!]! += userRepeat[p]! * w;
      }
    }
    if (nearest && hasHistory) {
      const max = nearest.fill(nearestOf?.[user!] ?? nearest.nearest(user!), fromNeighbours!);
      last.neighbours = fromNeighbours;
      last.neighbourMax = max;
      if (max > 0 && parts.neighbourOwnOnly)
        for (let p = userPtr[user!]!; p < userPtr[user! + 1]!; p++)
          scores[userItems[p]!]! += (fromNeighbours![userItems[p]!]! / max) * neighbourWeight;
      else if (max > 0) for (let i = 0; i < itemCount; i++) scores[i]! += (fromNeighbours![i]! / max) * neighbourWeight;
    }
    if (contextLed) blendContext(context);
    // Context items are what the shopper already has in view: never recommend them back.
    if (context) for (const h of context) if (h >= 0 && h < itemCount) scores[h] = -Infinity;
    return topK(scores, k, exclude);
  }

  /** Mixes the context's own item-item scores into the user's, the context leading. */
  function blendContext(context: readonly number[]): void {
    contextCf.fill(0);
    for (const h of context) {
      if (h < 0 || h >= n) continue;
      const row = h * n;
      for (let j = 0; j < n; j++) contextCf[j] = contextCf[j]! + itemItem[row + j]!;
    }
    let contextMax = 0;
    for (let j = 0; j < n; j++) if (contextCf[j]! > contextMax) contextMax = contextCf[j]!;
    if (contextMax <= 0) return;
    const share = CONTEXT_SHARE / contextMax;
    for (let j = 0; j < n; j++) scores[j] = scores[j]! * (1 - CONTEXT_SHARE) + contextCf[j]! * share;
    for (let j = n; j < itemCount; j++) scores[j] = scores[j]! * (1 - CONTEXT_SHARE);
  }

  // Neighbours depend on the user alone: found once here, so a request only sums their items.
  const nearestOf =
    nearest && options.precomputeUsers
      ? Array.from({ length: userPtr.length - 1 }, (_, user) => nearest.nearest(user))
      : undefined;
  if (userCf) {
    for (let user = 0; user + 1 < userPtr.length; user++) {
      cf.fill(0);
      const profile: number[] = [];
      for (const h of profileOf(user)) addRow(h, profile);
      for (const h of profile) inProfile[h] = 0;
      userCf.set(cf, user * n);
    }
  }

  return { name: parts.name, recommend, lastParts: () => last };
}
