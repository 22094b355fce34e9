/**
 * Widget → proxy: the names the `/v1/recommendations` answer and the shelf's events share.
 * See docs/contracts.md "Widget → proxy".
 */

/** Where a shelf's products came from. */
export const shelfSources = ['model', 'cache', 'fallback'] as const;

/** `model` (this request's cloud answer), `cache` (an earlier model answer) or `fallback` (the rules). */
export type ShelfSourceName = (typeof shelfSources)[number];

/**
 * Why a shelf was not (wholly) the model's answer to this request. `overloaded`: this proxy already had
 * its most upstream calls in flight (RECO_MAX_INFLIGHT); `disabled`: the placement rules switched the
 * model off (`"model": false`).
 * `holdout`: the shopper is in the control arm (`RECO_HOLDOUT_PERCENT`), served the rules while the
 * cloud is healthy.
 */
export const fallbackReasons = [
  'timeout',
  'error',
  'throttled',
  'circuit-open',
  'not-configured',
  'too-few',
  'overloaded',
  'disabled',
  'holdout',
] as const;

/** One of `fallbackReasons`. */
export type FallbackReason = (typeof fallbackReasons)[number];
