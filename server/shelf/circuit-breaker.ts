/**
 * Stops calling a cloud that keeps failing or keeps answering too late: opens
 * when the recent calls (the last `windowCalls`, none older than `windowMs`)
 * hold at least `failures` bad ones and bad ones are at least `failureShare`
 * of them; lets one probe through after `probeMs`, closes on a good probe,
 * re-opens on a bad one and is released (open, the next caller probes) by a probe whose
 * outcome says nothing of the cloud's health, so every probe ends the half-open state.
 * A bad call is one that failed or missed its budget, so a cloud that answers slowly
 * stops costing every shopper the whole budget.
 *
 * Why not cockatiel's or opossum's breaker: both judge the promise they run, while here a
 * call that succeeds after the budget is bad for the breaker yet still warms the cache,
 * both keep their state where the shared breaker (shared-breaker.ts) cannot adopt the
 * fleet's, and the tests drive this one with an injected clock.
 */

/** Where the breaker stands; `half-open` means a probe is in flight. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Each state as `reco_breaker_state` reports it. */
export const breakerStateLevels: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** What the shelf service asks of a breaker, in process or shared by the fleet. */
export interface Breaker {
  readonly state: BreakerState;
  /** Whether a call may go out now; a shared breaker may ask Redis (bounded) when it is probe time. */
  allows(): boolean | Promise<boolean>;
  /** A call answered within its budget. */
  success(): void;
  /** A call failed or answered after its budget. */
  failure(): void;
  /**
   * A call whose outcome says nothing of the cloud's health (the endpoint refused the request
   * itself, or the call never went out): a probe's ends without a verdict and the next caller
   * probes; any other call is left out of the window.
   */
  release(): void;
  /** Stops whatever the breaker listens to (a shared one's subscription). */
  close?(): void;
}

/** What came with a change of state. */
export interface BreakerChange {
  openedAt: number;
  adopted: boolean;
  released?: true;
}

/** What the breaker is told to do. */
export interface BreakerOptions {
  /** The fewest bad calls in the window that can open the breaker. */
  failures: number;
  /** The share of bad calls in the window that opens it (1 = all of them); default 0.5. */
  failureShare?: number;
  /** How many recent calls the window holds; default 20. */
  windowCalls?: number;
  /** How old a call in the window may be; default 10 s. */
  windowMs?: number;
  probeMs: number;
  now?: () => number;
  /**
   * Told of every change; `adopted` when the change came from `adopt` (another instance's view),
   * `released` when a probe ended without a verdict (back to `open`, since the same time).
   */
  onChange?: (state: BreakerState, change: BreakerChange) => void;
}

/** A windowed failure-share circuit breaker. */
export class CircuitBreaker implements Breaker {
  #state: BreakerState = 'closed';
  #openedAt = 0;
  /** Recent outcomes, oldest first: when each call ended and whether it was bad. */
  #window: Array<{ at: number; bad: boolean }> = [];

  constructor(private readonly options: BreakerOptions) {}

  get state(): BreakerState {
    return this.#state;
  }

  /** When the breaker last opened (its clock). */
  get openedAt(): number {
    return this.#openedAt;
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  #set(state: BreakerState, adopted = false, released = false): void {
    if (state === this.#state) return;
    this.#state = state;
    this.options.onChange?.(state, { openedAt: this.#openedAt, adopted, ...(released ? { released: true } : {}) });
  }

  /** Whether it is time for a probe: open, and `probeMs` has passed since it opened. */
  probeDue(): boolean {
    return this.#state === 'open' && this.#now() - this.#openedAt >= this.options.probeMs;
  }

  /**
   * Whether a call may go out now. When the probe time has come, the first
   * caller gets `true` and becomes the probe; the rest keep getting `false`.
   */
  allows(): boolean {
    if (this.#state === 'closed') return true;
    if (this.probeDue()) {
      this.#set('half-open');
      return true;
    }
    return false;
  }

  #record(bad: boolean): void {
    const now = this.#now();
    const { windowCalls = 20, windowMs = 10_000 } = this.options;
    this.#window.push({ at: now, bad });
    while (this.#window.length > windowCalls || (this.#window[0] && now - this.#window[0].at > windowMs)) {
      this.#window.shift();
    }
  }

  /** A call answered within its budget: a good probe closes the breaker. */
  success(): void {
    if (this.#state === 'half-open') {
      this.#window = [];
      this.#set('closed');
      return;
    }
    this.#record(false);
  }

  /** A call failed or missed its budget: a failed probe, or a window too bad, opens the breaker. */
  failure(): void {
    if (this.#state === 'half-open') {
      this.#open(this.#now());
      return;
    }
    this.#record(true);
    if (this.#state !== 'closed') return;
    const bad = this.#window.filter((o) => o.bad).length;
    if (bad >= this.options.failures && bad / this.#window.length >= (this.options.failureShare ?? 0.5)) {
      this.#open(this.#now());
    }
  }

  /**
   * A call that says nothing of the cloud's health: a probe's gives the breaker back to `open`
   * as it was (same `openedAt`, so the probe is due at once and the next caller makes it).
   */
  release(): void {
    if (this.#state === 'half-open') this.#set('open', false, true);
  }

  #open(at: number, adopted = false): void {
    this.#openedAt = at;
    this.#window = [];
    // Re-opening from half-open is a change of its own, even though the state name repeats after `open`.
    this.#set('open', adopted);
  }

  /** Takes another instance's view: open since `openedAt`, or closed. */
  adopt(state: 'open' | 'closed', openedAt = this.#now()): void {
    if (state === 'open') {
      if (this.#state === 'open' && this.#openedAt >= openedAt) return;
      this.#openedAt = openedAt;
      this.#window = [];
      if (this.#state === 'open') return;
      this.#set('open', true);
    } else {
      this.#window = [];
      this.#set('closed', true);
    }
  }
}
