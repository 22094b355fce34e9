/**
 * Trains the re-ranker for a blend fitted at cut-off T. Its questions come from the four monthly
 * cut-offs before T (T−4m … T−1m): at each, the blend is fitted on the purchases before it, every
 * known customer who bought something in the month after (which ends by T) is asked for the blend's
 * top candidates, their features are built from that cut-off's data, and the label is "bought in
 * that month". Nothing at or after T is seen. One model for every view. Fewer than
 * `minQuestions` questions with a bought candidate: no re-ranker (the blend ships as it was).
 */
import type { Purchase } from '../../data/purchases.ts';
import { type Forest, type RankingData, trainGbdt } from '../recommenders/gbdt.ts';
import { buildInteractions, type Interactions } from '../recommenders/interactions.ts';
import { itemItemRecommender, type ItemItemParts } from '../recommenders/item-item.ts';
import { featureCount, featureFiller, type RerankPart } from '../recommenders/rerank-features.ts';
import { rerankCandidates } from '../recommenders/reranker.ts';
import { jsonReplacer } from './shipped-config.ts';
import { concatTyped } from '../recommenders/typed-arrays.ts';

export interface RerankSettings {
  candidates: number;
  trees: number;
  depth: number;
  learningRate: number;
}

/** Below this many training questions the re-ranker is not trained (its trees would fit noise). */
export const minQuestions = 300;
/** How many monthly cut-offs before T the questions come from. */
export const trainingMonths = 4;

/** One cut-off's questions: rows of features, labels, question boundaries. */
interface Questions {
  x: Float32Array;
  label: Uint8Array;
  sizes: number[];
}

/**
 * Questions by (the purchases before the window's end, cut-off, blend setting, candidates): the rolling
 * evaluation's cut-offs share most of their training months (each split filters its own copy of the
 * purchases, so they are fingerprinted, not compared by identity), and the tuning grid shares them
 * across tree settings. The newest `cachedQuestionSets` are kept.
 */
const questionCache = new Map<string, Questions>();
const cachedQuestionSets = 12;

/** A fingerprint of the purchases before `end` (FNV-1a over time, customer, item and invoice). */
function fingerprint(purchases: readonly Purchase[], end: number): string {
  let hash = 0x811c9dc5,
    count = 0;
  const mix = (text: string) => {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  };
  for (const p of purchases) {
    if (p.time >= end) continue;
    count++;
    mix(`${p.time}|${p.customerId}|${p.stockCode}|${p.invoice}`);
  }
  return `${count}/${(hash >>> 0).toString(16)}`;
}

/** `months` calendar months before `time` (UTC), same day and time of day. */
export function monthsBefore(time: number, months: number): number {
  const d = new Date(time);
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() - months,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function questionsAt(
  purchases: readonly Purchase[],
  cutoff: number,
  windowEnd: number,
  candidates: number,
  blendKey: string,
  fitBlend: (data: Interactions) => ItemItemParts,
): Questions {
  const key = `${fingerprint(purchases, windowEnd)}/${cutoff}/${windowEnd}/${candidates}/${blendKey}`;
  const hit = questionCache.get(key);
  if (hit) return hit;
  const before = purchases.filter((p) => p.time < cutoff);
  const empty: Questions = { x: new Float32Array(0), label: new Uint8Array(0), sizes: [] };
  if (before.length === 0) return empty;
  const data = buildInteractions(before, cutoff);
  const bought = new Map<number, Set<number>>();
  for (const p of purchases) {
    if (p.time < cutoff || p.time >= windowEnd) continue;
    const user = data.userIndex.get(p.customerId),
      item = data.itemIndex.get(p.stockCode);
    if (user === undefined || item === undefined) continue;
    if (!bought.has(user)) bought.set(user, new Set());
    bought.get(user)!.add(item);
  }
  const parts = fitBlend(data);
  const blend = itemItemRecommender(parts);
  const fill = featureFiller(parts, data);
  const rows: Float32Array[] = [];
  const labels: Uint8Array[] = [];
  const sizes: number[] = [];
  for (const user of [...bought.keys()].sort((a, b) => a - b)) {
    const list = rerankCandidates(blend, { user, k: candidates }, candidates);
    const label = Uint8Array.from(list, (c) => (bought.get(user)!.has(c.item) ? 1 : 0));
    // A question with no bought candidate gives LambdaMART no gradient: left out.
    if (!label.includes(1)) continue;
    const x = new Float32Array(list.length * featureCount);
    fill(user, list, blend.lastParts(), x);
    rows.push(x);
    labels.push(label);
    sizes.push(list.length);
  }
  const out: Questions = { x: concatTyped(rows, Float32Array), label: concatTyped(labels, Uint8Array), sizes };
  questionCache.set(key, out);
  if (questionCache.size > cachedQuestionSets) questionCache.delete(questionCache.keys().next().value!);
  return out;
}

/**
 * The re-ranker for a blend fitted on `data` (cut-off `data.end`), or undefined when `data` does not
 * carry its purchases or there are too few questions. `fitBlend` fits the same blend (without a
 * re-ranker) on earlier data; `blendSetting` identifies it for the question cache.
 */
export function trainReranker(
  data: Interactions,
  settings: RerankSettings,
  fitBlend: (data: Interactions) => ItemItemParts,
  blendSetting: unknown,
): { part: RerankPart; questions: number } | undefined {
  const { purchases } = data;
  if (!purchases) return undefined;
  const blendKey = JSON.stringify(blendSetting, jsonReplacer);
  const sets: Questions[] = [];
  for (let m = trainingMonths; m >= 1; m--) {
    const cutoff = monthsBefore(data.end, m);
    sets.push(questionsAt(purchases, cutoff, monthsBefore(data.end, m - 1), settings.candidates, blendKey, fitBlend));
  }
  const sizes = sets.flatMap((s) => s.sizes);
  if (sizes.length < minQuestions) return undefined;
  const groupPtr = new Int32Array(sizes.length + 1);
  sizes.forEach((n, q) => {
    groupPtr[q + 1] = groupPtr[q]! + n;
  });
  const ranking: RankingData = {
    features: featureCount,
    x: concatTyped(
      sets.map((s) => s.x),
      Float32Array,
    ),
    label: concatTyped(
      sets.map((s) => s.label),
      Uint8Array,
    ),
    groupPtr,
  };
  const forest: Forest = trainGbdt(ranking, {
    trees: settings.trees,
    depth: settings.depth,
    learningRate: settings.learningRate,
    // Regularised for a few thousand questions: validation (May 2011) preferred these to 1 and 1.
    minLeafHessian: 20,
    lambda: 20,
  });
  return {
    part: {
      forest,
      candidates: settings.candidates,
      counts: {
        userBaskets: data.userBaskets,
        userAgeDays: data.userAgeDays,
        userFirstAgeDays: data.userFirstAgeDays,
        itemBuyers: data.itemBuyers,
        itemRecentBuyers: data.itemRecentBuyers,
      },
    },
    questions: sizes.length,
  };
}
