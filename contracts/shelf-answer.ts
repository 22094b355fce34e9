/**
 * Widget → proxy: the names the `/v1/recommendations` answer and the shelf's events share, and
 * the limits the widget, the proxy and the placement rules must agree on.
 * See docs/contracts.md "Widget → proxy".
 */

/**
 * The most products one shelf shows (a request's `limit`, a placement's `limit`): the widget clamps
 * its `limit` attribute to it and the proxy refuses more. A shelf is a few rows, not a catalog page;
 * kept under `invocationLimits.maxK` (100) so a whole shelf fits in one model answer.
 */
export const maxShelfSize = 48;

/**
 * The most context product ids (`items`) one request may carry: a page's product and a basket,
 * not a list. Under `invocationLimits.maxItems` (100), so the proxy passes every one on.
 */
export const maxContextItems = 50;

/**
 * The most events one `POST /v1/events` batch may hold; it sizes the largest body the proxy reads
 * (about 2.5 MB). The widget sends far fewer at a time.
 */
export const maxEventBatch = 500;

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

/**
 * The most shelves one `POST /v1/shelves` may ask for: a page's shelves, not a catalog. The container's
 * batch body keeps the same limit (`maxBatchShelves` in `contracts/invocation.ts`).
 */
export const maxShelvesPerRequest = 8;

/**
 * Why a card is where it is (`reason` on each item of a shelf answer): `model` (the model's answer, this
 * request's or an earlier one), `pinned` (a merchandiser's pin put it at its position), `boosted` (a boost
 * moved it up), or `fallback:<fallback name>` (the rules' fallback that filled it, e.g.
 * `fallback:best-sellers`). A buried card keeps its source's reason.
 */
export type CardReason = 'model' | 'pinned' | 'boosted' | `fallback:${string}`;
