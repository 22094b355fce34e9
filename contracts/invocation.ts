/**
 * Proxy → model container: the body the proxy sends through `InvokeEndpoint` and the
 * answer the container gives. One definition, imported by the proxy
 * (`server/shelf/sagemaker-endpoint.ts`), the container (`model/container/invocation.ts`) and the
 * test support that stands in for a model. See docs/contracts.md "Proxy → endpoint".
 */

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
  maxK: 100,
  defaultK: 24,
  maxItems: 100,
  maxExclude: 1000,
  maxIdLength: 128,
} as const;
