/**
 * A/B over SageMaker production variants: each shopper sticks to one variant,
 * chosen by a hash of their id against the configured weights.
 */

/** FNV-1a: fast, stable across processes and releases, well spread for short ids. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Returns a function from shopper to variant name; `undefined` when no
 * weights are configured (SageMaker then splits traffic itself) or the shopper
 * is unknown (a random split would not be sticky).
 */
export function variantAssigner(
  weights: Readonly<Record<string, number>>,
): (shopper: string | undefined) => string | undefined {
  const entries = Object.entries(weights).filter(([, w]) => w > 0);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (entries.length === 0) return () => undefined;
  return (shopper) => {
    if (shopper === undefined) return undefined;
    let point = (hash32(shopper) / 2 ** 32) * total;
    for (const [name, weight] of entries) {
      if (point < weight) return name;
      point -= weight;
    }
    return entries[entries.length - 1]![0];
  };
}
