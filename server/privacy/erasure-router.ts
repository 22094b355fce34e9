/**
 * `POST /erasures` on the admin listener (mounted at `/admin/api` behind the admin's auth, which
 * sets `res.locals.adminUser`): `{ "customer": "…", "dryRun"?: true|false }` erases the customer
 * everywhere this proxy reaches (`erasure.ts`) and answers what each store gave up (200), or in a
 * dry run what it would. 400 names the field at fault; 409 when erasure cannot run here (no
 * pseudonym key); 503 when a store did not take a step (nothing is reported done: run it again).
 */
import express from 'express';
import { ApiError, methodNotAllowed } from '../http/api-error.ts';
import { jsonBody } from '../http/request-body.ts';
import { BucketErasureError } from './bucket-erasure.ts';
import { type ErasureReport, ErasureUnavailableError, InvalidErasureError } from './erasure.ts';
import { RedisErasureError } from './redis-erasure.ts';

/** What the router erases with: a running proxy's `erasure.erase`. */
export interface ErasureRouterDeps {
  erase(customerId: string, options: { dryRun: boolean; by: string }): Promise<ErasureReport>;
}

/** Parses the body: the customer, and whether it is a dry run. */
function parseErasureRequest(body: unknown): { customer: string; dryRun: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidErasureError('body: send a JSON object { "customer": "…", "dryRun"?: boolean }');
  }
  const { customer, dryRun, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new InvalidErasureError(`${unknown.slice(0, 40)}: not a field of an erasure`);
  if (typeof customer !== 'string') throw new InvalidErasureError('customer: give the customer id, a string');
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new InvalidErasureError('dryRun: true or false');
  return { customer, dryRun: dryRun ?? false };
}

/** The erasure routes. */
export function erasureRouter(deps: ErasureRouterDeps): express.Router {
  const router = express.Router();
  router
    .route('/erasures')
    .post(...jsonBody, async (req, res) => {
      const by = typeof res.locals.adminUser === 'string' ? res.locals.adminUser : 'admin';
      try {
        const { customer, dryRun } = parseErasureRequest(req.body);
        res.status(200).json(await deps.erase(customer, { dryRun, by }));
      } catch (error) {
        if (error instanceof InvalidErasureError) throw new ApiError(400, 'invalid_request', error.message);
        if (error instanceof ErasureUnavailableError) throw new ApiError(409, 'erasure_unavailable', error.message);
        if (error instanceof RedisErasureError || error instanceof BucketErasureError)
          throw new ApiError(503, 'erasure_incomplete', error.message);
        throw error;
      }
    })
    .all(methodNotAllowed('POST'));
  return router;
}
