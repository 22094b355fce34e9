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
 * `dwellMs` without interruption. Scrolling it away before then cancels the count. Elements
 * that became visible together (one observer report) and stayed are reported together, as
 * one batch: GA4 wants one `view_item_list` per batch of newly viewed items.
 */
export class ImpressionTracker {
  /** Elements counting down, each to the batch it started with. */
  readonly #pending = new Map<Element, Set<Element>>();
  readonly #timers = new Set<number>();
  readonly #seen = new WeakSet<Element>();
  readonly #onImpressions: (batch: Element[]) => void;
  readonly #dwellMs: number;
  readonly #clock: DwellClock;
  #observer: IntersectionObserver | undefined;

  constructor(onImpressions: (batch: Element[]) => void, dwellMs = 1000, clock: DwellClock = realClock) {
    this.#onImpressions = onImpressions;
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
    const batch = new Set<Element>();
    for (const { target, intersectionRatio, isIntersecting } of entries) {
      if (isIntersecting && intersectionRatio >= VISIBLE_RATIO) {
        if (!this.#pending.has(target) && !this.#seen.has(target)) batch.add(target);
      } else {
        this.#pending.delete(target);
      }
    }
    if (!batch.size) return;
    for (const el of batch) this.#pending.set(el, batch);
    const id = this.#clock.set(() => {
      this.#timers.delete(id);
      this.#fire(batch);
    }, this.#dwellMs);
    this.#timers.add(id);
  }

  #fire(batch: Set<Element>): void {
    // Members that left (or left and came back, joining a later batch) are not this batch's.
    const stayed = [...batch].filter((el) => this.#pending.get(el) === batch);
    for (const el of stayed) {
      this.#pending.delete(el);
      this.#seen.add(el);
      this.#observer?.unobserve(el);
    }
    if (stayed.length) this.#onImpressions(stayed);
  }

  disconnect(): void {
    for (const id of this.#timers) this.#clock.clear(id);
    this.#timers.clear();
    this.#pending.clear();
    this.#observer?.disconnect();
    this.#observer = undefined;
  }
}
