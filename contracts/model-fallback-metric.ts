/**
 * Proxy → CloudWatch → the deploy's rollback alarm: the custom metric the proxy publishes and the
 * third alarm `npm run model:deploy` creates per variant reads. Both import this one definition,
 * so a renamed metric or dimension cannot leave the alarm watching nothing (it would stay "not
 * breaching" for ever). See docs/contracts.md "Proxy → CloudWatch".
 */
import type { FallbackReason } from './shelf-answer.ts';

/** Where the metric lives and how the alarm reads it. */
export const modelFallbackMetric = {
  namespace: 'RecoShelf',
  name: 'ModelFallbackPercent',
  unit: 'Percent',
  /** The alarm's period; the proxy publishes once per period of wall-clock time. */
  periodSeconds: 60,
  /**
   * Each datum is a statistic set with one sample per model-eligible request (100 for a fallback,
   * 0 for a model answer), so `Average` is the share of the period's requests answered without the
   * model, weighted by traffic across every proxy that publishes.
   */
  statistic: 'Average',
} as const;

/** The dimensions of one datum and of the alarm on it: the endpoint and its production variant. */
export function modelFallbackDimensions(
  endpointName: string,
  variantName: string,
): Array<{ Name: 'EndpointName' | 'VariantName'; Value: string }> {
  return [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
}

/**
 * How each answer counts, by its fallback reason (`null`: the model answered in time):
 * - `fallback`: the model was asked for, or would have been, and did not answer the shelf — late,
 *   failed, throttled, refused by the open breaker, or not called because calls already in flight
 *   filled the bulkhead (a slow endpoint fills it);
 * - `model`: the model answered this request (`too-few`: it answered, the shelf was topped up);
 * - `not-eligible`: no model call was meant to happen — the shopper is in the holdout, the
 *   placement switched the model off, or no endpoint is configured. Left out of the share, so a
 *   control arm or a kill switch never looks like a sick model.
 * A fresh cached model answer is left out too (no call was made: no evidence either way); the
 * proxy tells it apart by its source, `cache` with no failure reason.
 */
export const fallbackReasonCounts = {
  timeout: 'fallback',
  error: 'fallback',
  throttled: 'fallback',
  'circuit-open': 'fallback',
  overloaded: 'fallback',
  'too-few': 'model',
  holdout: 'not-eligible',
  disabled: 'not-eligible',
  'not-configured': 'not-eligible',
} as const satisfies Record<FallbackReason, 'fallback' | 'model' | 'not-eligible'>;

/**
 * The variant a failed call counts against when the endpoint picked the variant itself (the proxy
 * pins none) and no variant has answered yet: the variant `model:deploy` creates by default.
 */
export const defaultVariantName = 'AllTraffic';
