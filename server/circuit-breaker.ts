/**
 * Stops calling a cloud that keeps failing: opens after `failures`
 * consecutive failures, lets one probe through after `probeMs`, closes on a
 * good probe and re-opens on a bad one.
 */

/** Where the breaker stands; `half-open` means a probe is in flight. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A consecutive-failure circuit breaker. */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;

  constructor(
    private readonly options: {
      failures: number;
      probeMs: number;
      now?: () => number;
      onChange?: (state: BreakerState) => void;
    },
  ) {}

  get state(): BreakerState {
    return this.#state;
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.options.onChange?.(state);
  }

  /**
   * Whether a call may go out now. When the probe time has come, the first
   * caller gets `true` and becomes the probe; the rest keep getting `false`.
   */
  allows(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && (this.options.now?.() ?? Date.now()) - this.#openedAt >= this.options.probeMs) {
      this.#set('half-open');
      return true;
    }
    return false;
  }

  /** A call succeeded: the breaker closes. */
  success(): void {
    this.#failures = 0;
    this.#set('closed');
  }

  /** A call failed: a failed probe, or one failure too many, opens the breaker. */
  failure(): void {
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.options.failures) {
      this.#openedAt = this.options.now?.() ?? Date.now();
      this.#set('open');
    }
  }
}
