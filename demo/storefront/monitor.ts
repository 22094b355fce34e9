/** Turns the proxy's Prometheus metrics into the shop monitor's figures. */
import { type ExperimentCount, summariseExperiment } from '../../model/monitor/experiment.ts';
import type { MonitorFigures } from './pages.ts';
import { histogramQuantile, parsePrometheusText, type Sample, sumBy } from './prometheus-text.ts';

const breakerNames = ['closed', 'half-open', 'open'];

/** The shelf-event counter's series as experiment counts (by arm, variant and type). */
export function experimentCounts(samples: readonly Sample[]): ExperimentCount[] {
  return samples
    .filter((s) => s.name === 'reco_shelf_events_total')
    .map((s) => ({
      arm: s.labels.arm ?? 'unknown',
      variant: s.labels.variant ?? 'none',
      type: s.labels.type ?? '',
      count: s.value,
    }));
}

/** Reads `/metrics` from the proxy's admin listener; an unreachable proxy shows empty tables. */
export async function readMonitorFigures(proxyAdminUrl: string): Promise<MonitorFigures> {
  let text = '';
  try {
    text = await (await fetch(`${proxyAdminUrl}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
  } catch {
    // leave the tables empty
  }
  return monitorFiguresFrom(text);
}

/** The monitor's figures from the proxy's `/metrics` text (empty text: empty tables). */
export function monitorFiguresFrom(text: string): MonitorFigures {
  const samples = parsePrometheusText(text);
  const bySource = sumBy(samples, 'reco_requests_total', 'source');
  const total = [...bySource.values()].reduce((a, b) => a + b, 0);
  const byReason = sumBy(samples, 'reco_requests_total', 'reason');
  byReason.delete('none');
  // Holdout answers are the experiment's design, not a sick cloud: they are not fallbacks here.
  const holdout = byReason.get('holdout') ?? 0;
  byReason.delete('holdout');
  const impressions = sumBy(samples, 'reco_shelf_events_total', 'source', { type: 'impression' });
  const clicks = sumBy(samples, 'reco_shelf_events_total', 'source', { type: 'click' });
  // Each variant's model answers: the production variants of the endpoint, champion and challenger.
  const byVariant = sumBy(samples, 'reco_upstream_duration_seconds_count', 'variant', { outcome: 'ok' });
  const answered = [...byVariant.values()].reduce((a, b) => a + b, 0);
  const breaker = samples.find((s) => s.name === 'reco_breaker_state')?.value;
  return {
    bySource: [...bySource],
    // Any answer with a reason fell back, including stale cache served for a sick cloud.
    fallbackRate: total - holdout > 0 ? [...byReason.values()].reduce((a, b) => a + b, 0) / (total - holdout) : null,
    holdoutAnswers: holdout,
    byReason: [...byReason],
    upstreamP50: histogramQuantile(samples, 'reco_upstream_duration_seconds', 0.5, { outcome: 'ok' }),
    upstreamP95: histogramQuantile(samples, 'reco_upstream_duration_seconds', 0.95, { outcome: 'ok' }),
    clickThrough: [...new Set([...impressions.keys(), ...clicks.keys()])].map((source) => ({
      source,
      impressions: impressions.get(source) ?? 0,
      clicks: clicks.get(source) ?? 0,
    })),
    byVariant: [...byVariant].map(([variant, answers]) => ({
      variant,
      answers,
      share: answered ? answers / answered : 0,
    })),
    breaker: breaker === undefined ? 'unknown' : (breakerNames[breaker] ?? 'unknown'),
    experiment: summariseExperiment(experimentCounts(samples)),
  };
}
