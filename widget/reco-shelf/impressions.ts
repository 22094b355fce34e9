/** Timer functions, injectable so tests can drive the dwell clock by hand. */
export interface DwellClock {
  set(fn: () => void, ms: number): number;
  clear(id: number): void;
}

const realClock: DwellClock = {
  set: (fn, ms) => window.setTimeout(fn, ms),
  clear: (id) => window.clearTimeout(id),
};

/** The IAB/MRC viewable-impression rule: at least half the card on screen... */
export const VISIBLE_RATIO = 0.5;

/**
 * Reports each observed element once, when it has stayed at least 50 % visible for
 * `dwellMs` without interruption. Scrolling it away before then cancels the count.
 */
export class ImpressionTracker {
  readonly #timers = new Map<Element, number>();
  readonly #seen = new WeakSet<Element>();
  readonly #onImpression: (el: Element) => void;
  readonly #dwellMs: number;
  readonly #clock: DwellClock;
  #observer: IntersectionObserver | undefined;

  constructor(onImpression: (el: Element) => void, dwellMs = 1000, clock: DwellClock = realClock) {
    this.#onImpression = onImpression;
    this.#dwellMs = dwellMs;
    this.#clock = clock;
  }

  observe(el: Element): void {
    if (this.#seen.has(el)) return;
    this.#observer ??= new IntersectionObserver((entries) => this.handle(entries), {
      threshold: [0, VISIBLE_RATIO],
    });
    this.#observer.observe(el);
  }

  /** Feeds visibility changes; public so the dwell rule can be tested without layout. */
  handle(entries: Pick<IntersectionObserverEntry, 'target' | 'intersectionRatio' | 'isIntersecting'>[]): void {
    for (const { target, intersectionRatio, isIntersecting } of entries) {
      const timer = this.#timers.get(target);
      if (isIntersecting && intersectionRatio >= VISIBLE_RATIO) {
        if (timer === undefined && !this.#seen.has(target)) {
          this.#timers.set(
            target,
            this.#clock.set(() => this.#fire(target), this.#dwellMs),
          );
        }
      } else if (timer !== undefined) {
        this.#clock.clear(timer);
        this.#timers.delete(target);
      }
    }
  }

  #fire(el: Element): void {
    this.#timers.delete(el);
    this.#seen.add(el);
    this.#observer?.unobserve(el);
    this.#onImpression(el);
  }

  disconnect(): void {
    for (const id of this.#timers.values()) this.#clock.clear(id);
    this.#timers.clear();
    this.#observer?.disconnect();
    this.#observer = undefined;
  }
}
