/**
 * Shopper ids for load: the model's real customers when the artifact exists (so the
 * model does real work per call), else synthetic ids. Each request takes the next one,
 * so neither the proxy's fresh cache nor its coalescing of identical calls helps it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifestPath = fileURLToPath(new URL('../../model/artifacts/model/manifest.json', import.meta.url));

/** Up to `max` shopper ids. */
export function shopperPool(max = 4000): string[] {
  if (existsSync(manifestPath)) {
    const { userIds } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { userIds?: unknown };
    if (Array.isArray(userIds) && userIds.length > 0) return userIds.slice(0, max).map(String);
  }
  return Array.from({ length: max }, (_, i) => `shopper-${i}`);
}

/** A cycling supplier of ids from `pool`. */
export function nextShopper(pool: readonly string[]): () => string {
  let i = 0;
  return () => pool[i++ % pool.length]!;
}
