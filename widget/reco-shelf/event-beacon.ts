import type { TrackedEvent } from './types.ts';

/** Keep a beacon well under the 64 KB budget browsers give sendBeacon per page. */
const MAX_BATCH = 50;

const queues = new Map<string, TrackedEvent[]>();
let listening = false;

function eventsUrl(endpoint: string): string {
  return new URL('v1/events', endpoint.replace(/\/?$/, '/')).href;
}

function send(url: string, events: TrackedEvent[]): void {
  // text/plain keeps it a CORS-simple request: no preflight, which a beacon cannot do.
  const body = new Blob([JSON.stringify({ events })], { type: 'text/plain' });
  let sent = false;
  try {
    sent = typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url, body);
  } catch {
    sent = false;
  }
  if (!sent) {
    fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).catch(() => {});
  }
}

/** Sends every queued batch now. Runs on `pagehide` and when the page goes to the background. */
export function flushEvents(): void {
  for (const [endpoint, events] of queues) {
    const url = eventsUrl(endpoint);
    while (events.length) send(url, events.splice(0, MAX_BATCH));
  }
  queues.clear();
}

function onVisibilityChange(): void {
  // Mobile browsers often kill a backgrounded tab without a pagehide.
  if (document.visibilityState === 'hidden') flushEvents();
}

/**
 * Queues one shopper event for the proxy. Events from every shelf on the page that talk to
 * the same endpoint share one batch; nothing is sent until the page hides (or a batch fills).
 */
export function trackEvent(endpoint: string, event: TrackedEvent): void {
  let queue = queues.get(endpoint);
  if (!queue) queues.set(endpoint, (queue = []));
  queue.push(event);
  if (queue.length >= MAX_BATCH) flushEvents();
  if (!listening) {
    listening = true;
    addEventListener('pagehide', flushEvents);
    document.addEventListener('visibilitychange', onVisibilityChange);
  }
}

/** Events waiting to be sent (for tests and debugging). */
export function pendingEvents(): TrackedEvent[] {
  return [...queues.values()].flat();
}

/** Drops the events not yet sent (consent withdrawn). */
export function dropEvents(): void {
  queues.clear();
}
