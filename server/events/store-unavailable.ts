/**
 * The one error the event store answers with when it cannot take events now (a failing or
 * full disk, the disk bound, closing, a claim held elsewhere): the route turns it into a
 * `503` with `Retry-After`.
 */

/** The store cannot take events now; `retryAfterSeconds` is a fair time to wait. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
