/**
 * The share of shelves the rules served instead of the model, from what the proxy saw: the stored
 * impressions, one shelf per `requestId`, with the `source` the proxy answered with (`model`,
 * `cache`, `fallback`). Data capture cannot say this: a call that timed out or failed is a fallback
 * the endpoint may never have answered. The holdout arm gets the rules by design and is left out.
 */
import type { StoredEvent } from '../../server/events/stored-line.ts';

/** The figure and what it was counted from. */
export interface FallbackShare {
  share: number;
  shelves: number;
  fallbacks: number;
  /** Shelves served from an earlier model answer (not the rules). */
  cached: number;
  /** Impressions without a source or a requestId: not counted. */
  unattributed: number;
}

/** Counts shelves by source from impressions received in [from, to). */
export function fallbackShareCounter(from: number, to: number) {
  const sources = new Map<string, string>();
  let unattributed = 0;
  return {
    add(event: StoredEvent): void {
      if (event.type !== 'impression' || event.receivedAt < from || event.receivedAt >= to) return;
      if (event.arm === 'holdout') return;
      if (event.requestId === undefined || event.source === undefined) {
        unattributed++;
        return;
      }
      sources.set(event.requestId, event.source);
    },
    finish(): FallbackShare | null {
      if (sources.size === 0) return null;
      const all = [...sources.values()];
      const fallbacks = all.filter((s) => s === 'fallback').length;
      return {
        share: fallbacks / all.length,
        shelves: all.length,
        fallbacks,
        cached: all.filter((s) => s === 'cache').length,
        unattributed,
      };
    },
  };
}
