/**
 * The operator's view in Prometheus text: one registry per app, so tests and
 * several apps in one process never share counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventLoopDelay } from './event-loop-delay.ts';

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5];

/** Every metric the proxy exports; `eventLoopDelay` feeds `reco_event_loop_delay_seconds`. */
export function createMetrics(eventLoopDelay?: EventLoopDelay) {
  const registry = new Registry();
  new Gauge({
    name: 'reco_event_loop_delay_seconds',
    help: 'How late the event loop ran timers over the last second, by quantile (p99, max)',
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      if (!eventLoopDelay) return;
      this.set({ quantile: 'p99' }, eventLoopDelay.recentP99Ms() / 1000);
      this.set({ quantile: 'max' }, eventLoopDelay.recentMaxMs() / 1000);
    },
  });
  collectDefaultMetrics({ register: registry });
  const breakerState = new Gauge({
    name: 'reco_breaker_state',
    help: 'Circuit breaker: 0 closed, 1 half-open, 2 open',
    registers: [registry],
  });
  return {
    registry,
    requests: new Counter({
      name: 'reco_requests_total',
      help: 'Recommendation answers by placement (unknown ones as "unknown"), source and fallback reason',
      labelNames: ['placement', 'source', 'reason'] as const,
      registers: [registry],
    }),
    unknownPlacements: new Counter({
      name: 'reco_unknown_placement_total',
      help: 'Requests for a placement the rules do not name',
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'reco_request_duration_seconds',
      help: 'Time from request to answer',
      labelNames: ['source'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'reco_upstream_duration_seconds',
      help: 'SageMaker InvokeEndpoint duration by outcome (ok or the failure label) and variant',
      labelNames: ['outcome', 'variant'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    lateAnswers: new Counter({
      name: 'reco_late_answers_total',
      help: 'Model answers that came after the budget and warmed the cache',
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'reco_coalesced_requests_total',
      help: 'Requests that shared an identical in-flight model call',
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: 'reco_cache_lookups_total',
      help: 'Fresh-cache lookups by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: 'reco_events_total',
      help: 'Shelf events by outcome: accepted, duplicate (a retry), rejected (invalid), unavailable (503)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    shelfEvents: new Counter({
      name: 'reco_shelf_events_total',
      help:
        'Accepted shelf events by type, by the source of the answer they came from, by arm (model or holdout) ' +
        'and by production variant (none for a rules answer): click-through per arm and variant',
      labelNames: ['type', 'source', 'arm', 'variant'] as const,
      registers: [registry],
    }),
    rejectedBatches: new Counter({
      name: 'reco_event_batches_rejected_total',
      help: 'Event batches whose envelope was unusable',
      registers: [registry],
    }),
    budgetTimerLateness: new Histogram({
      name: 'reco_budget_timer_lateness_seconds',
      help: 'How late the budget timer fired after its deadline when it ended a race (a busy event loop or CPU)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    untrustedShoppers: new Counter({
      name: 'reco_untrusted_shoppers_total',
      help: 'Requests and events that named a customer without a valid token, answered as anonymous, by cause',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    requestCausedUpstreamErrors: new Counter({
      name: 'reco_upstream_request_errors_total',
      help: 'Model calls the endpoint refused because of the request itself (not counted by the breaker)',
      labelNames: ['label'] as const,
      registers: [registry],
    }),
    upstreamConfigErrors: new Counter({
      name: 'reco_upstream_config_errors_total',
      help:
        'Model calls that failed because the proxy is set up wrong, by kind: endpoint-not-found, ' +
        'variant-not-found, access-denied, bad-credentials, no-credentials',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'reco_rate_limited_total',
      help: 'Requests refused by the rate limit',
      registers: [registry],
    }),
    sharedStateErrors: new Counter({
      name: 'reco_shared_state_errors_total',
      help: 'Redis calls that failed or ran past RECO_REDIS_TIMEOUT_MS, by operation; the instance used its own state',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    sharedStateDuration: new Histogram({
      name: 'reco_shared_state_duration_seconds',
      help: 'Redis calls that answered in time, by operation: cache-get is the one a request waits for',
      labelNames: ['operation'] as const,
      buckets: [0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025],
      registers: [registry],
    }),
    cloudWatchPublishes: new Counter({
      name: 'reco_cloudwatch_publishes_total',
      help: 'PutMetricData calls of RecoShelf/ModelFallbackPercent (RECO_CLOUDWATCH_METRICS) by outcome: sent, failed',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    upstreamInFlight: new Gauge({
      name: 'reco_upstream_in_flight',
      help: 'SageMaker calls in flight now (the bulkhead caps them at RECO_MAX_INFLIGHT)',
      registers: [registry],
    }),
    shelfBatches: new Counter({
      name: 'reco_shelf_batches_total',
      help: 'POST /v1/shelves answers, by how the model was asked: batch (one call), per-shelf (batch refused), none',
      labelNames: ['call'] as const,
      registers: [registry],
    }),
    batchShelves: new Counter({
      name: 'reco_batch_shelves_total',
      help: 'Shelves answered through POST /v1/shelves (each also counts in reco_requests_total)',
      registers: [registry],
    }),
    batchRefusals: new Counter({
      name: 'reco_batch_refusals_total',
      help: 'Batch bodies the endpoint refused (a container without it): its shelves are asked one by one for a while',
      registers: [registry],
    }),
    /** `reco_breaker_state`: set from the breaker's changes (`breakerStateLevels` in circuit-breaker.ts). */
    breakerState,
    // The arms' sizes, for the sample-ratio alert (server/shared-state/experiment-unit.ts counts them).
    experimentShoppers: new Counter({
      name: 'reco_experiment_shoppers_total',
      help: 'People answered for the first time, by arm (each once in the fleet with Redis): the sample-ratio check',
      labelNames: ['arm'] as const,
      registers: [registry],
    }),
    experimentHoldoutShare: new Gauge({
      name: 'reco_experiment_holdout_share',
      help: 'The share of people the configuration holds out (RECO_HOLDOUT_PERCENT / 100)',
      registers: [registry],
    }),
  };
}

/** The proxy's metrics. */
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A metric's children by their label values, each bound once: given a label object on every
 * call, prom-client sorts its keys and builds a hash string for it each time. `bind` is the
 * metric's own `labels` (values in `labelNames` order); every label's values must be a bounded
 * set (placements, sources, reasons, variants), as they must be for Prometheus anyway.
 */
export function boundChildren<Child>(bind: (...values: string[]) => Child): (...values: string[]) => Child {
  const children = new Map<string, Child>();
  return (...values) => {
    // A separator no label value holds, so two value lists never share a key.
    const key = values.join('\u0000');
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = bind(...values)));
    return child;
  };
}

/** What the event-store gauges read. */
export interface EventStoreMetricsSource {
  stats(): {
    segmentsWaiting: number;
    bytesWaiting: number;
    diskBytes: number;
    quarantinedLines: number;
    windowIds: number;
  };
  health(): { writable: boolean };
}

/** What the shipping gauges read. */
export interface ShippingMetricsSource {
  stats(): { uploads: number; failures: number; lastUploadAt: number | undefined; bytesUploaded: number };
}

/** Adds the event store's (and shipping's) gauges to `metrics`, read when scraped. */
export function registerEventStoreMetrics(
  metrics: Metrics,
  store: EventStoreMetricsSource,
  shipping?: ShippingMetricsSource,
): void {
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read();
        if (value !== undefined) this.set(value);
      },
    });
  gauge('reco_events_store_writable', '1 while the event store takes events, 0 while it answers 503', () =>
    store.health().writable ? 1 : 0,
  );
  gauge(
    'reco_events_disk_bytes',
    'Bytes of event segments in the folder (shipped and not)',
    () => store.stats().diskBytes,
  );
  gauge(
    'reco_events_segments_waiting',
    'Closed segments not shipped yet (all closed segments when shipping is off)',
    () => store.stats().segmentsWaiting,
  );
  gauge('reco_events_bytes_waiting', 'Bytes of closed segments not shipped yet', () => store.stats().bytesWaiting);
  gauge('reco_events_quarantined_lines', 'Lines moved to quarantine at start', () => store.stats().quarantinedLines);
  gauge('reco_events_window_ids', 'Event ids remembered for deduplication', () => store.stats().windowIds);
  if (!shipping) return;
  gauge('reco_events_last_upload_timestamp_seconds', 'When a segment was last uploaded and verified', () => {
    const at = shipping.stats().lastUploadAt;
    return at === undefined ? undefined : at / 1000;
  });
  gauge('reco_events_uploads', 'Segments uploaded and verified since start', () => shipping.stats().uploads);
  gauge(
    'reco_events_upload_failures',
    'Failed segment uploads since start (each retried)',
    () => shipping.stats().failures,
  );
  gauge('reco_events_uploaded_bytes', 'Gzip bytes uploaded since start', () => shipping.stats().bytesUploaded);
}
