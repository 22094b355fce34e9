/**
 * The monitor's report, in the manner of SageMaker Model Monitor: from the recent stored
 * events and the serving artifact, the figures that say whether the model is going stale and
 * whether it still beats the rules. Built by streaming events through `add`, so the store's
 * size does not matter; every figure says when it has too little data instead of guessing.
 */
import type { LoadedModel } from '../container/artifact.ts';
import type { Recommender } from '../recommenders/types.ts';
import type { StoredEvent } from '../../server/events/stored-line.ts';
import {
  type ExperimentCount,
  type ExperimentSummary,
  type ShopperExperiment,
  shopperExperiment,
  summariseExperiment,
} from './experiment.ts';
import { type PopularityDrift, popularityDrift } from './popularity-drift.ts';
import { type ReplayResult, type ReplayTarget, replayNdcg } from './replay.ts';

const DAY_MS = 86_400_000;

/** The least data each figure is computed from; below it the report says so. */
export const minimumData = {
  /** Recent distinct shopper–item pairs for the PSI (10 bins: about 10 a bin). */
  driftPairs: 100,
  /** Shoppers seen, for the cold-start share. */
  shoppers: 20,
  /** Events seen, for the unknown-item share. */
  events: 20,
  /** Impressions in each arm, for the lift. */
  armImpressions: 100,
  /** Customers with purchases after training, for the replay. */
  replayShoppers: 20,
} as const;

/** A figure, or why there is none. */
export type Figure<T> = ({ status: 'ok' } & T) | { status: 'too-little-data'; have: number; need: number; of: string };

/** What the report is computed over. */
export interface MonitorOptions {
  /** Epoch ms the report is "now". */
  now: number;
  /** Drift, cold start, unknown items and the lift look at this many days. */
  days: number;
  /** The replay looks at purchases of this many weeks (and only those after training). */
  replayWeeks: number;
  /** Event types whose distinct shopper–item pairs are the recent popularity (default: purchases). */
  driftTypes: readonly string[];
  /** Turns a customer id into the id the model knows (its pseudonym). */
  modelIdOf: (customerId: string) => string;
  /** The model-vs-holdout comparison by shopper at a fixed horizon (experiment.ts), from `since` on. */
  byShopper?: { since: number; horizonShoppers: number; holdoutShare: number; priceOf?: (itemId: string) => number };
}

/** The JSON report. */
export interface MonitorReport {
  generatedAt: string;
  model: { version: string; algorithm: string; trainedAt: string; trainedUntil: string };
  window: { from: string; to: string; days: number; events: number; eventsWithoutArm: number };
  modelAgeDays: Figure<{ value: number }>;
  popularityDrift: Figure<PopularityDrift & { binning: string; eventTypes: string[] }>;
  coldStartShoppers: Figure<{ share: number; shoppers: number; anonymous: number; unknownCustomers: number }>;
  unknownItems: Figure<{ share: number; events: number; unknown: number; purchaseShare: number | null }>;
  replayNdcgAt10: Figure<ReplayResult & { from: string; weeks: number }>;
  onlineLift: Figure<{
    clickThrough: ExperimentSummary['lift']['clickThrough'];
    addToCart: ExperimentSummary['lift']['addToCart'];
  }>;
  experiment: ExperimentSummary;
  /** By shopper, at a fixed horizon (null without `byShopper`). */
  shopperExperiment: ShopperExperiment | null;
}

const tooLittle = (have: number, need: number, of: string) => ({ status: 'too-little-data' as const, have, need, of });

/** Distinct buyers per item in the artifact's training data (its customer–item pairs). */
export function trainingBuyers(model: LoadedModel): Float64Array {
  const buyers = new Float64Array(model.manifest.itemCount);
  for (const item of model.parts.userItems) buyers[item]!++;
  return buyers;
}

/** Starts a report over `model`; feed it events with `add`, then `finish`. */
export function createMonitorReport(model: LoadedModel, recommender: Recommender, options: MonitorOptions) {
  const windowStart = options.now - options.days * DAY_MS;
  const trainedAt = Date.parse(model.manifest.trainedAt);
  // Purchases the artifact may have been trained on would flatter it: only later ones count.
  const replayStart = Math.max(
    options.now - options.replayWeeks * 7 * DAY_MS,
    Number.isFinite(trainedAt) ? trainedAt : 0,
  );
  const driftTypes = new Set(options.driftTypes);
  const recentPairs = new Float64Array(model.manifest.itemCount);
  const seenPairs = new Set<string>();
  const shoppers = new Map<string, 'anonymous' | 'known' | 'unknown'>();
  const counts = new Map<string, ExperimentCount>();
  const replay = new Map<string, ReplayTarget & { items: number[] }>();
  let events = 0;
  let unknownItemEvents = 0;
  let purchases = 0;
  let unknownPurchases = 0;
  let withoutArm = 0;

  const byShopper = shopperExperiment();

  function add(event: StoredEvent): void {
    // A sign-in names no product and was no shelf event: none of the figures count it.
    if (event.receivedAt > options.now || event.type === 'identify') return;
    const fixed = options.byShopper;
    if (fixed && event.arm && event.receivedAt >= fixed.since)
      byShopper.add({
        shopper: event.userId === undefined ? `s:${event.sessionId}` : `u:${event.userId}`,
        arm: event.arm,
        variant: event.variant,
        type: event.type,
        at: event.receivedAt,
        revenue: event.type === 'purchase' ? (fixed.priceOf?.(event.itemId) ?? 0) : 0,
      });
    const item = model.itemIndex.get(event.itemId);
    const modelUser = event.userId === undefined ? undefined : options.modelIdOf(event.userId);
    if (event.type === 'purchase' && event.receivedAt > replayStart && modelUser !== undefined && item !== undefined) {
      let target = replay.get(modelUser);
      if (!target) replay.set(modelUser, (target = { user: model.userIndex.get(modelUser), items: [] }));
      if (!target.items.includes(item)) target.items.push(item);
    }
    if (event.receivedAt <= windowStart) return;
    events++;
    if (item === undefined) unknownItemEvents++;
    if (event.type === 'purchase') {
      purchases++;
      if (item === undefined) unknownPurchases++;
    }
    const shopper = modelUser === undefined ? `s:${event.sessionId}` : `u:${modelUser}`;
    if (!shoppers.has(shopper)) {
      shoppers.set(
        shopper,
        modelUser === undefined ? 'anonymous' : model.userIndex.has(modelUser) ? 'known' : 'unknown',
      );
    }
    if (item !== undefined && driftTypes.has(event.type) && !seenPairs.has(`${shopper} ${item}`)) {
      seenPairs.add(`${shopper} ${item}`);
      recentPairs[item]!++;
    }
    if (event.arm === undefined) withoutArm++;
    const arm = event.arm ?? 'unknown';
    const variant = event.variant ?? 'none';
    const key = `${arm} ${variant} ${event.type}`;
    const count = counts.get(key);
    if (count) count.count++;
    else counts.set(key, { arm, variant, type: event.type, count: 1 });
  }

  function finish(): MonitorReport {
    const ageDays = (options.now - trainedAt) / DAY_MS;
    const drift = popularityDrift(trainingBuyers(model), recentPairs);
    const kinds = [...shoppers.values()];
    const anonymous = kinds.filter((k) => k === 'anonymous').length;
    const unknownCustomers = kinds.filter((k) => k === 'unknown').length;
    const experiment = summariseExperiment([...counts.values()]);
    const arm = (name: 'model' | 'holdout') => experiment.rows.find((r) => r.arm === name && r.variant === null)!;
    const fewestImpressions = Math.min(arm('model').impressions, arm('holdout').impressions);
    const targets = [...replay.values()];
    const replayed = targets.length >= minimumData.replayShoppers ? replayNdcg(recommender, targets) : null;
    return {
      generatedAt: new Date(options.now).toISOString(),
      model: {
        version: model.manifest.modelVersion,
        algorithm: model.manifest.algorithm,
        trainedAt: model.manifest.trainedAt,
        trainedUntil: model.manifest.trainedUntil,
      },
      window: {
        from: new Date(windowStart).toISOString(),
        to: new Date(options.now).toISOString(),
        days: options.days,
        events,
        eventsWithoutArm: withoutArm,
      },
      modelAgeDays: Number.isFinite(ageDays) ? { status: 'ok', value: ageDays } : tooLittle(0, 1, 'trainedAt'),
      popularityDrift:
        drift && drift.pairs >= minimumData.driftPairs
          ? {
              status: 'ok',
              ...drift,
              eventTypes: [...driftTypes],
              binning:
                'items in the model order (most training buyers first) cut into 10 bins of about equal training ' +
                'buyers; expected = training buyers, actual = recent distinct shopper–item pairs; items unknown ' +
                'to the model left out; shares floored at 1e-4',
            }
          : tooLittle(drift?.pairs ?? 0, minimumData.driftPairs, `distinct shopper–item pairs (${[...driftTypes]})`),
      coldStartShoppers:
        shoppers.size >= minimumData.shoppers
          ? {
              status: 'ok',
              share: (anonymous + unknownCustomers) / shoppers.size,
              shoppers: shoppers.size,
              anonymous,
              unknownCustomers,
            }
          : tooLittle(shoppers.size, minimumData.shoppers, 'shoppers'),
      unknownItems:
        events >= minimumData.events
          ? {
              status: 'ok',
              share: unknownItemEvents / events,
              events,
              unknown: unknownItemEvents,
              purchaseShare: purchases > 0 ? unknownPurchases / purchases : null,
            }
          : tooLittle(events, minimumData.events, 'events'),
      replayNdcgAt10: replayed
        ? { status: 'ok', ...replayed, from: new Date(replayStart).toISOString(), weeks: options.replayWeeks }
        : tooLittle(targets.length, minimumData.replayShoppers, 'customers with purchases after training'),
      onlineLift:
        fewestImpressions >= minimumData.armImpressions
          ? { status: 'ok', clickThrough: experiment.lift.clickThrough, addToCart: experiment.lift.addToCart }
          : tooLittle(fewestImpressions, minimumData.armImpressions, 'impressions in the smaller arm'),
      experiment,
      shopperExperiment: options.byShopper
        ? byShopper.finish({
            expectedHoldoutShare: options.byShopper.holdoutShare,
            horizonShoppers: options.byShopper.horizonShoppers,
          })
        : null,
    };
  }

  return {
    add,
    finish,
    since: Math.min(windowStart, replayStart, options.byShopper?.since ?? Number.POSITIVE_INFINITY),
  };
}
