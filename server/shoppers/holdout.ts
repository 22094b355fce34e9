/**
 * The control arm of the model-vs-rules comparison: a sticky, hashed share of shoppers who
 * get the rules even while the cloud is healthy (`RECO_HOLDOUT_PERCENT`). The same function
 * decides a shelf's answer and labels the shopper's events, so each event's arm is known.
 */
import { createHash } from 'node:crypto';

/**
 * Keeps the holdout hash apart from every other use of the shopper id. Any constant would do;
 * changing it reshuffles the arms. (Under this one, of the demo's six customers, 14646 is in
 * a 10 % holdout: the demo shows both arms when switching customers.)
 */
export const holdoutSalt = 'reco-holdout:';

/** The two arms: the model's answers (whatever served them) or the rules, by design. */
export type Arm = 'model' | 'holdout';

/**
 * The one shopper key the arm (of answers and events), the variant and the answer cache's key derive
 * from: the customer when known, else the session (`u:…` / `s:…`); undefined when there is neither.
 */
export function shopperKey(userId: string | undefined, sessionId: string | undefined): string | undefined {
  return userId ? `u:${userId}` : sessionId ? `s:${sessionId}` : undefined;
}

/**
 * Returns a function from shopper key to "in the holdout". A salted SHA-256, unrelated to the
 * variant's FNV-1a (`variant-assignment.ts`), so arm and variant are independent. A shopper
 * with no key is never held out: the choice could not be sticky.
 */
export function holdoutAssigner(percent: number): (shopper: string | undefined) => boolean {
  if (!(percent > 0)) return () => false;
  const threshold = (Math.min(percent, 100) / 100) * 2 ** 32;
  return (shopper) =>
    shopper !== undefined &&
    createHash('sha256').update(`${holdoutSalt}${shopper}`).digest().readUInt32BE(0) < threshold;
}
