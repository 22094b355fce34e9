import { expect } from '@open-wc/testing';
import { ImpressionTracker, type DwellClock } from './impressions.ts';

/** A clock the test advances by hand: the 1 s dwell rule without a 1 s wait. */
function manualClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: DwellClock = {
    set: (fn, ms) => {
      timers.set(nextId, { at: now + ms, fn });
      return nextId++;
    },
    clear: (id) => void timers.delete(id),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...timers])
      if (t.at <= now) {
        timers.delete(id);
        t.fn();
      }
  };
  return { clock, advance };
}

const card = document.createElement('li');
const view = (ratio: number) => [{ target: card, intersectionRatio: ratio, isIntersecting: ratio > 0 }];

describe('ImpressionTracker', () => {
  it('counts a card that stays at least 50 % visible for 1 s, once', () => {
    const { clock, advance } = manualClock();
    const seen: Element[] = [];
    const tracker = new ImpressionTracker((batch) => seen.push(...batch), 1000, clock);
    tracker.handle(view(0.5));
    advance(999);
    expect(seen).to.have.length(0);
    advance(1);
    expect(seen).to.deep.equal([card]);
    tracker.handle(view(0));
    tracker.handle(view(1));
    advance(5000);
    expect(seen).to.have.length(1);
  });

  it('does not count a card scrolled away before the second is up', () => {
    const { clock, advance } = manualClock();
    const seen: Element[] = [];
    const tracker = new ImpressionTracker((batch) => seen.push(...batch), 1000, clock);
    tracker.handle(view(0.9));
    advance(600);
    tracker.handle(view(0.3));
    advance(5000);
    expect(seen).to.have.length(0);
  });

  it('does not count a card that is less than half visible', () => {
    const { clock, advance } = manualClock();
    const seen: Element[] = [];
    new ImpressionTracker((batch) => seen.push(...batch), 1000, clock).handle(view(0.49));
    advance(5000);
    expect(seen).to.have.length(0);
  });

  it('reports cards that came into view together and stayed as one batch, without those that left', () => {
    const { clock, advance } = manualClock();
    const batches: Element[][] = [];
    const [a, b, c, d] = Array.from({ length: 4 }, () => document.createElement('li'));
    const entry = (target: Element, ratio: number) => ({ target, intersectionRatio: ratio, isIntersecting: ratio > 0 });
    const tracker = new ImpressionTracker((batch) => batches.push(batch), 1000, clock);
    tracker.handle([entry(a!, 1), entry(b!, 1), entry(c!, 0.8)]);
    advance(500);
    tracker.handle([entry(c!, 0.2), entry(d!, 1)]);
    advance(500);
    expect(batches).to.deep.equal([[a, b]]);
    advance(500);
    expect(batches).to.deep.equal([[a, b], [d]]);
  });
});
