/** Turns the proxy's Prometheus metrics into the shop monitor's figures. */
import type { MonitorFigures } from './pages.ts';
import { histogramQuantile, parsePrometheusText, sumBy } from './prometheus-text.ts';

const breakerNames = ['closed', 'half-open', 'open'];

/** Reads `/metrics` from the proxy; an unreachable proxy shows empty tables. */
export async function readMonitorFigures(proxyUrl: string): Promise<MonitorFigures> {
  let text = '';
  try {
    text = await (await fetch(`${proxyUrl}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
  } catch {
    // leave the tables empty
  }
  const samples = parsePrometheusText(text);
  const bySource = sumBy(samples, 'reco_requests_total', 'source');
  const total = [...bySource.values()].reduce((a, b) => a + b, 0);
  const byReason = sumBy(samples, 'reco_requests_total', 'reason');
  byReason.delete('none');
  const impressions = sumBy(samples, 'reco_shelf_events_total', 'source', { type: 'impression' });
  const clicks = sumBy(samples, 'reco_shelf_events_total', 'source', { type: 'click' });
  // Each variant's model answers: the production variants of the endpoint, champion and challenger.
  const byVariant = sumBy(samples, 'reco_upstream_duration_seconds_count', 'variant', { outcome: 'ok' });
  const answered = [...byVariant.values()].reduce((a, b) => a + b, 0);
  const breaker = samples.find((s) => s.name === 'reco_breaker_state')?.value;
  return {
    bySource: [...bySource],
    // Any answer with a reason fell back, including stale cache served for a sick cloud.
    fallbackRate: total ? [...byReason.values()].reduce((a, b) => a + b, 0) / total : null,
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
  };
}
