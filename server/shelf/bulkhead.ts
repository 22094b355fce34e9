/**
 * Caps the upstream calls one instance has in flight. With the cloud hung, every call
 * waits for the hard cap; without a cap, calls pile up past the socket pool, queue in
 * the SDK and, when aborted, take the pool's keep-alive connections down with them.
 * Beyond the cap the shelf service answers from the fallback chain at once (`overloaded`).
 * A plain counter: there is no queue to manage (a queued call would miss its budget anyway).
 */

/** A counting bulkhead. */
export class Bulkhead {
  #inFlight = 0;
  #peak = 0;

  constructor(readonly limit: number) {}

  /** Takes a slot if one is free; every `true` must be matched by one `leave()`. */
  tryEnter(): boolean {
    if (this.#inFlight >= this.limit) return false;
    this.#inFlight++;
    if (this.#inFlight > this.#peak) this.#peak = this.#inFlight;
    return true;
  }

  /** Gives a slot back. */
  leave(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The most calls ever in flight at once (tests and the metrics read it). */
  get peak(): number {
    return this.#peak;
  }
}
