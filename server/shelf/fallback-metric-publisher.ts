/**
 * Publishes `RecoShelf/ModelFallbackPercent` (contracts/model-fallback-metric.ts) to CloudWatch
 * once a minute, when `RECO_CLOUDWATCH_METRICS=true`: the share of the minute's model-eligible
 * shelves that were not the model's answer, per production variant. It is the data of the third
 * rollback alarm `npm run model:deploy` creates, the one that sees the shop's side of a canary.
 *
 * A shelf never waits for it: answers are counted in memory (a few map updates), and the count is
 * sent from a timer. A failing or hung CloudWatch is logged and counted
 * (`reco_cloudwatch_publishes_total{outcome="failed"}`); the minute's numbers are dropped, since an
 * alarm judges the minutes as they come and a late datum would not bring a rollback back.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Logger } from 'pino';
import {
  defaultVariantName,
  fallbackReasonCounts,
  modelFallbackDimensions,
  modelFallbackMetric,
} from '../../contracts/model-fallback-metric.ts';
import { shopperKey } from '../shoppers/holdout.ts';
import type { RecommendationAnswer, ShelfService } from './shelf-service.ts';

/** One variant's counts over one period. */
export interface VariantTally {
  variant: string;
  /** Model-eligible answers: the model answered, or should have and did not. */
  eligible: number;
  /** Of those, the ones the model did not answer (timeout, error, throttled, circuit-open, overloaded). */
  fallbacks: number;
}

/** A failed call the endpoint routed itself names no variant; it counts against each variant seen this long. */
const variantMemoryPeriods = 10;

/**
 * Counts model-eligible answers per production variant over the current period. A model answer
 * names its variant (SageMaker's `InvokedProductionVariant`); a failed call does only when the
 * proxy pinned it (`RECO_VARIANTS`). Otherwise the endpoint would have picked the variant and the
 * failure cannot be placed, so it counts against every variant that answered in the last ten
 * periods (or `AllTraffic` before any has): in a canary every fleet shares the variant names, and
 * an alarm on any variant rolls the whole update back, so erring towards counting is safe.
 */
export class FallbackTally {
  readonly #counts = new Map<string, { eligible: number; fallbacks: number }>();
  readonly #unplaced = { eligible: 0, fallbacks: 0 };
  /** Variant → the last period it answered in (pinned variants: always). */
  readonly #seen = new Map<string, number>();
  #period = 0;

  /** `pinned`: the variants the proxy assigns shoppers to (`RECO_VARIANTS`), counted from the start. */
  constructor(pinned: readonly string[] = []) {
    for (const variant of pinned) this.#seen.set(variant, Number.POSITIVE_INFINITY);
  }

  /**
   * Counts one answer. `targetVariant`: the variant the proxy pinned this shopper to, if any.
   * Left out: holdout, the kill switch, no endpoint, and a fresh cached answer (no call was made).
   */
  record(
    answer: Pick<RecommendationAnswer, 'source' | 'fallbackReason' | 'model'>,
    targetVariant: string | undefined,
  ): void {
    const counts = answer.fallbackReason === null ? 'model' : fallbackReasonCounts[answer.fallbackReason];
    if (counts === 'not-eligible') return;
    if (counts === 'model') {
      if (answer.source !== 'model') return;
      const variant = answer.model?.variant ?? targetVariant;
      if (variant !== undefined) this.#seen.set(variant, Math.max(this.#seen.get(variant) ?? 0, this.#period));
      this.#add(variant, false);
    } else this.#add(targetVariant, true);
  }

  #add(variant: string | undefined, fallback: boolean): void {
    let counts = this.#unplaced;
    if (variant !== undefined) {
      counts = this.#counts.get(variant) ?? { eligible: 0, fallbacks: 0 };
      this.#counts.set(variant, counts);
    }
    counts.eligible++;
    if (fallback) counts.fallbacks++;
  }

  /** The period's counts, one entry per variant with any, and a fresh period. */
  take(): VariantTally[] {
    const variants = new Set(this.#counts.keys());
    for (const [variant, period] of this.#seen) if (this.#period - period < variantMemoryPeriods) variants.add(variant);
    if (variants.size === 0 && this.#unplaced.eligible > 0) variants.add(defaultVariantName);
    const tallies: VariantTally[] = [];
    for (const variant of [...variants].sort()) {
      const own = this.#counts.get(variant) ?? { eligible: 0, fallbacks: 0 };
      const eligible = own.eligible + this.#unplaced.eligible;
      if (eligible > 0) tallies.push({ variant, eligible, fallbacks: own.fallbacks + this.#unplaced.fallbacks });
    }
    this.#counts.clear();
    this.#unplaced.eligible = 0;
    this.#unplaced.fallbacks = 0;
    this.#period++;
    return tallies;
  }
}

/**
 * The shelf service, counting each answer into `tally` on its way out. `assignVariant` is the
 * proxy's own (`RECO_VARIANTS`), so a failed call counts against the variant it was pinned to.
 */
export function countingFallbacks(
  service: ShelfService,
  tally: FallbackTally,
  assignVariant: (shopper: string | undefined) => string | undefined,
): ShelfService {
  return {
    ...service,
    async recommend(request, ...rest) {
      const timed = await service.recommend(request, ...rest);
      tally.record(timed.answer, assignVariant(shopperKey(request.userId, request.sessionId)));
      return timed;
    },
    async recommendShelves(requests, ...rest) {
      const timed = await service.recommendShelves(requests, ...rest);
      const variant = assignVariant(shopperKey(requests[0]?.userId, requests[0]?.sessionId));
      for (const shelf of timed.shelves) tally.record(shelf.answer, variant);
      return timed;
    },
  };
}

/**
 * One period's tally as a CloudWatch datum: a statistic set of one sample per eligible answer,
 * 100 for a fallback and 0 for a model answer, so CloudWatch's `Average` over any period and any
 * number of proxies is the share of answers that fell back, in percent.
 */
export function fallbackDatum(endpointName: string, tally: VariantTally, periodStart: Date): MetricDatum {
  return {
    MetricName: modelFallbackMetric.name,
    Dimensions: modelFallbackDimensions(endpointName, tally.variant),
    Timestamp: periodStart,
    Unit: modelFallbackMetric.unit,
    StatisticValues: {
      SampleCount: tally.eligible,
      Sum: 100 * tally.fallbacks,
      Minimum: tally.fallbacks < tally.eligible ? 0 : 100,
      Maximum: tally.fallbacks > 0 ? 100 : 0,
    },
  };
}

/** Where and how to publish. */
export interface FallbackMetricPublisherOptions {
  tally: FallbackTally;
  /** The endpoint the proxy invokes: the `EndpointName` dimension. */
  endpointName: string;
  region: string;
  /** A private-link or local CloudWatch endpoint; unset means AWS's own for the region. */
  endpointUrl?: string | undefined;
  /** Bypasses the AWS default provider chain (tests, the local stack). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  logger: Logger;
  /** Called after each `PutMetricData`: `sent`, or `failed` (already logged). */
  onPublished?: (outcome: 'sent' | 'failed') => void;
  /** The period; default the alarm's, 60 s. Publishing happens on its wall-clock boundaries. */
  periodMs?: number;
  /** The longest one `PutMetricData` (retries included) may take; default 5 s. */
  timeoutMs?: number;
  /** Wall clock, injectable for tests. */
  now?: () => number;
}

/** A running publisher. */
export interface FallbackMetricPublisher {
  /** Sends the current period's counts now (when there are any) and starts a new period. */
  flush(): Promise<void>;
  /** Stops the timer, sends the last partial period (a scale-in keeps its last minute), closes the client. */
  stop(): Promise<void>;
}

/** Starts publishing the tally once per period, on the period's wall-clock boundaries. */
export function startFallbackMetricPublisher(options: FallbackMetricPublisherOptions): FallbackMetricPublisher {
  const periodMs = options.periodMs ?? modelFallbackMetric.periodSeconds * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  // Loaded here, not at the top: a proxy that does not publish does not load the client at start.
  const loading = import('@aws-sdk/client-cloudwatch').then((sdk) => ({
    sdk,
    client: new sdk.CloudWatchClient({
      region: options.region,
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    }),
  }));
  let periodStart = now();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const send = async (datums: MetricDatum[]): Promise<void> => {
    try {
      const { sdk, client } = await loading;
      await client.send(
        new sdk.PutMetricDataCommand({ Namespace: modelFallbackMetric.namespace, MetricData: datums }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      options.onPublished?.('sent');
    } catch (error) {
      const err = error as Error;
      options.logger.warn(
        { err: { name: err.name, message: err.message }, datums: datums.length },
        'fallback metric: PutMetricData failed; this period is not published',
      );
      options.onPublished?.('failed');
    }
  };

  const flush = (): Promise<void> => {
    const tallies = options.tally.take();
    // Stamped with the start of the wall-clock period it covers, so CloudWatch files it under that minute.
    const stamp = new Date(Math.floor(periodStart / periodMs) * periodMs);
    periodStart = now();
    if (tallies.length === 0) return Promise.resolve();
    const sending = send(tallies.map((t) => fallbackDatum(options.endpointName, t, stamp)));
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    return sending;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        void flush();
        schedule();
      },
      periodMs - (now() % periodMs),
    );
    // The proxy's lifetime is its server's; a pending publish must not keep a stopped process alive.
    timer.unref();
  };
  schedule();

  return {
    flush,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await flush();
      await Promise.all(inFlight);
      (await loading).client.destroy();
    },
  };
}
