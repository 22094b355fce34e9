/**
 * The online evidence `npm run retrain -- --promote --full` needs before it makes a challenger the champion:
 * the challenger's shoppers against the champion's, from the event store, by shopper
 * (model/monitor/experiment.ts). Each shopper is pinned to one variant by the proxy, and each event carries
 * the model version of the answer it came from, joined on the server by `requestId`
 * (server/shared-state/answer-memory.ts); a shopper counts for the model version their first answer came from.
 *
 * Enough evidence: at least `minShoppers` shoppers on each side (a fixed horizon, the first ones by first
 * event: a re-run decides on the same shoppers) and the challenger not measurably worse on the primary metric
 * (click-through, interval over shoppers). Without it, `--full` refuses unless `--force`.
 */
import { readFileSync } from 'node:fs';
import { listSegments } from '../../server/events/segment-files.ts';
import { dedupKeyOf, parseStoredLine } from '../../server/events/stored-line.ts';
import { type ShopperExperiment, shopperExperiment, shopperMetrics } from '../monitor/experiment.ts';
import type { Estimate } from '../monitor/proportions.ts';

/** The fewest shoppers on each side before a full promotion is decided (the gate's offline minimum, too). */
export const defaultMinShoppers = 300;

/** What to compare, and where the events are. */
export interface OnlineEvidenceOptions {
  /** The proxy's event folder (`RECO_EVENTS_DIR`). */
  eventsDir: string;
  /** The model version being made champion. */
  challenger: string;
  /** Shoppers on each side before deciding; default `defaultMinShoppers`. */
  minShoppers?: number;
  /** A product's price, for revenue per shopper (a purchase counts one unit). */
  priceOf?: (itemId: string) => number | undefined;
  /** Only events received after this (ms); default: all in the folder. */
  since?: number;
}

const percent = (e: Estimate | null, digits = 2): string =>
  e
    ? `${(e.estimate * 100).toFixed(digits)} % (${(e.low * 100).toFixed(digits)} … ${(e.high * 100).toFixed(digits)})`
    : '—';
const plain = (e: Estimate | null, digits = 3): string =>
  e ? `${e.estimate.toFixed(digits)} (${e.low.toFixed(digits)} … ${e.high.toFixed(digits)})` : '—';
const isRate = (metric: string): boolean => metric === 'clickThrough' || metric === 'addToCartRate';

/** Champion vs challenger by shopper, as lines for a person, and whether it is enough to promote. */
export function onlineEvidence(options: OnlineEvidenceOptions): {
  enough: boolean;
  lines: string[];
  comparison: ShopperExperiment;
} {
  const minShoppers = options.minShoppers ?? defaultMinShoppers;
  const experiment = shopperExperiment();
  const seen = new Set<string>();
  for (const segment of listSegments(options.eventsDir)) {
    for (const line of readFileSync(segment.path, 'utf8').split('\n')) {
      const e = line ? parseStoredLine(line) : undefined;
      if (e?.arm !== 'model' || (options.since !== undefined && e.receivedAt < options.since)) continue;
      if (seen.has(dedupKeyOf(e))) continue;
      seen.add(dedupKeyOf(e));
      const shopper =
        e.userId !== undefined ? `u:${e.userId}` : e.sessionId !== undefined ? `s:${e.sessionId}` : undefined;
      if (shopper === undefined || e.type === 'identify') continue;
      // Champion is every other model version: the one serving before the challenger came.
      const side =
        e.modelVersion === undefined ? undefined : e.modelVersion === options.challenger ? 'challenger' : 'champion';
      experiment.add({
        shopper,
        arm: 'model',
        variant: side,
        type: e.type,
        at: e.receivedAt,
        ...(e.type === 'purchase' ? { revenue: options.priceOf?.(e.itemId) ?? 0 } : {}),
      });
    }
  }
  const comparison = experiment.finish({
    expectedHoldoutShare: 0,
    horizonShoppers: minShoppers,
    variants: ['challenger', 'champion'],
  });
  const [challenger, champion] = comparison.rows;
  const lines = [
    `online evidence (${options.eventsDir}), by shopper, 95 % intervals over shoppers; ` +
      `fixed horizon ${minShoppers} shoppers a side`,
    `  ${'metric'.padEnd(24)}${'champion'.padEnd(34)}${`challenger ${options.challenger}`.padEnd(34)}` +
      'challenger − champion',
    `  ${'shoppers'.padEnd(24)}${String(champion!.shoppers).padEnd(34)}${String(challenger!.shoppers).padEnd(34)}`,
  ];
  for (const metric of shopperMetrics) {
    const show = isRate(metric) ? percent : plain;
    lines.push(
      `  ${metric.padEnd(24)}${show(champion![metric]).padEnd(34)}${show(challenger![metric]).padEnd(34)}` +
        show(comparison.lift[metric]),
    );
  }
  const { reached, verdict, primary } = comparison.horizon;
  const enough = reached && verdict !== 'worse';
  lines.push(
    !reached
      ? `  not enough evidence: ${Math.min(champion!.shoppers, challenger!.shoppers)} of ${minShoppers} shoppers on ` +
          'the smaller side; promote with --share first and wait, or --force'
      : verdict === 'worse'
        ? `  the challenger is worse on ${primary} (its interval is below zero): not promoted without --force`
        : `  verdict on ${primary}: ${verdict}`,
  );
  return { enough, lines, comparison };
}
