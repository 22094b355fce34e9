import { dropEvents } from './event-beacon.ts';
import { SESSION_KEY } from './random-id.ts';

/**
 * Consent withdrawn (`RecoShelf.setConsent('denied')`, second chunk): the anonymous id kept on the
 * device goes, and the events not yet sent are dropped. A later grant starts a new id.
 */
export function withdrawConsent(): void {
  dropEvents();
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch {
    // Storage disabled: nothing was kept.
  }
}
