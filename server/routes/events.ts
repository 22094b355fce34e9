/**
 * `POST /v1/events`: JSON or the text/plain body `navigator.sendBeacon` sends.
 * 202 only once the accepted events are on disk (docs/contracts.md "Events").
 */
import type { Router } from 'express';
import type { EventLog } from '../events/event-log.ts';
import { InvalidBatchError, parseEventBatch } from '../events/shelf-event.ts';
import { ApiError, methodNotAllowed } from '../http/api-error.ts';
import { jsonOrTextBody } from '../http/request-body.ts';
import type { Metrics } from '../metrics.ts';

/** Adds the events route to `router`. */
export function addEventsRoute(router: Router, eventLog: EventLog, metrics: Metrics): void {
  router
    .route('/events')
    .post(...jsonOrTextBody, async (req, res) => {
      if (!req.is('application/json') && !req.is('text/plain')) {
        throw new ApiError(415, 'unsupported_media_type', 'body: send application/json or text/plain');
      }
      let batch: ReturnType<typeof parseEventBatch>;
      try {
        batch = parseEventBatch(req.body);
      } catch (error) {
        if (error instanceof InvalidBatchError) {
          metrics.rejectedBatches.inc();
          throw new ApiError(400, 'invalid_request', error.message);
        }
        throw error;
      }
      metrics.events.inc({ outcome: 'rejected' }, batch.rejected.length);
      if (batch.events.length === 0) {
        throw new ApiError(
          400,
          'invalid_request',
          batch.rejected
            .map((r) => r.message)
            .slice(0, 5)
            .join('; '),
        );
      }
      const { stored, duplicates } = await eventLog.append(batch.events);
      const accepted = stored.length;
      for (const e of stored) metrics.shelfEvents.inc({ type: e.type, source: e.source ?? 'unknown' });
      metrics.events.inc({ outcome: 'accepted' }, accepted);
      metrics.events.inc({ outcome: 'duplicate' }, duplicates);
      res.status(202).json({ accepted, duplicates, rejected: batch.rejected });
    })
    .all(methodNotAllowed('POST'));
}
