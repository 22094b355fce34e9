/**
 * A baseline for a model that did not write one (a container trained in another language, or an
 * artifact from before baselines), in the manner of Model Monitor's `suggest_baseline`: from a
 * window of what it answered (its data capture) and what the shop's customers bought then (the
 * proxy's stored purchases, distinct shopper–item pairs, for the popularity bins; the known items are
 * those bought, asked about or answered in the window). `npm run monitor -- --suggest-baseline DIR`
 * writes it; later runs take `--baseline DIR`.
 */
import type { StoredEvent } from '../../server/events/stored-line.ts';
import { type InferenceRow, inferenceRow, popularityBinsOf, writeBaseline } from '../training/baseline.ts';
import type { CapturedShelf } from './captured-inferences.ts';

/** Feed it the window's events, then write the baseline from the window's captured shelves. */
export function baselineSuggester() {
  const buyers = new Map<string, Set<string>>();
  return {
    add(event: StoredEvent): void {
      if (event.type !== 'purchase') return;
      const shopper = event.userId !== undefined ? `u:${event.userId}` : `s:${event.sessionId}`;
      const set = buyers.get(event.itemId) ?? new Set<string>();
      set.add(shopper);
      buyers.set(event.itemId, set);
    },
    /** Writes the baseline into `dir`; throws when the window holds no purchases or no captured shelf. */
    write(dir: string, shelves: readonly CapturedShelf[]): { rows: number; items: number; modelVersion: string } {
      if (buyers.size === 0) throw new Error('monitor: no purchases in the window to suggest a baseline from');
      if (shelves.length === 0)
        throw new Error('monitor: no captured shelves in the window to suggest a baseline from');
      const ranked = [...buyers].sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]));
      // Known items: those bought, then those asked about or answered without a purchase (the tail bin).
      const seen = new Set(ranked.map(([id]) => id));
      for (const s of shelves) for (const id of [...s.asked.items, ...s.answered]) seen.add(id);
      const itemIds = [...seen];
      const binOf = popularityBinsOf(
        itemIds,
        itemIds.map((id) => buyers.get(id)?.size ?? 0),
      );
      const rows: InferenceRow[] = shelves.map((s) => inferenceRow(s.asked, s.answered, binOf));
      const versions = new Map<string, number>();
      for (const s of shelves)
        if (s.modelVersion) versions.set(s.modelVersion, (versions.get(s.modelVersion) ?? 0) + 1);
      const modelVersion = [...versions].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
      writeBaseline(dir, { modelVersion, itemIds, binOf, rows });
      return { rows: rows.length, items: itemIds.length, modelVersion };
    },
  };
}
