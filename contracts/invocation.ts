/**
 * Proxy → model container: the body the proxy sends through `InvokeEndpoint` and the
 * answer the container gives. One definition, imported by the proxy
 * (`server/shelf/sagemaker-endpoint.ts`), the container (`model/container/invocation.ts`) and the
 * test support that stands in for a model. See docs/contracts.md "Proxy → endpoint".
 */
import { maxShopperIdLength } from './ids.ts';

/** The `/invocations` request body. */
export interface Invocation {
  /** The shopper, as the proxy may pass it across the boundary (a pseudonym when the key is set). */
  userId?: string;
  /** Context products (the page's product, the basket), most relevant first. */
  items: string[];
  /** How many recommendations to return. */
  k: number;
  /** Products the answer must not contain. */
  exclude: string[];
  /** The placement asking, so a model may answer differently per placement. */
  placement?: string;
}

/** The `/invocations` answer body. */
export interface InvocationAnswer {
  recommendations: Array<{ itemId: string; score: number }>;
  modelVersion: string;
}

/**
 * The limits both sides keep. The proxy never sends more than these (it keeps the most
 * recent `exclude` ids and caps `k`); the container answers 400 above them.
 */
export const invocationLimits = {
  /** A few shelves' worth: room for the proxy's overfetch, not a catalog dump (the proxy caps at it). */
  maxK: 100,
  /** What the container answers when `k` is absent (the proxy always sends one). */
  defaultK: 24,
  /** At least a request's `maxContextItems` (50), so the proxy never cuts the context. */
  maxItems: 100,
  /** The context and a heavy buyer's recent purchases; the proxy cuts the oldest purchases first. */
  maxExclude: 1000,
  /** A shopper id's longest (`maxShopperIdLength`), so any id the proxy accepts passes. */
  maxIdLength: maxShopperIdLength,
} as const;

/** One shelf of a batch body: what the single body asks, for one placement (the shopper is the batch's). */
export interface BatchShelfInvocation {
  placement: string;
  items: string[];
  k: number;
  exclude: string[];
}

/** The `/invocations` batch body: several shelves of one page for one shopper, scored in one call. */
export interface BatchInvocation {
  userId?: string;
  shelves: BatchShelfInvocation[];
}

/** The answer to a batch body: one entry per asked shelf, in the same order. */
export interface BatchInvocationAnswer {
  shelves: Array<{ recommendations: Array<{ itemId: string; score: number }> }>;
  modelVersion: string;
}

/** A batch body's limit: as many shelves as one `POST /v1/shelves` may ask (`maxShelvesPerRequest`). */
export const maxBatchShelves = 8;
