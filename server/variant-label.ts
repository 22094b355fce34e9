/**
 * The `variant` label of the shelf-event counter. An event's variant comes from the browser,
 * so it could be anything: the label is bounded to the configured variants (`RECO_VARIANTS`),
 * or, when SageMaker splits traffic itself, to the first few names seen; the rest count as
 * `other`, and an event with no variant (a rules answer) as `none`.
 */

/** How many variant names are labelled when none are configured; SageMaker allows ten variants. */
export const maxSeenVariants = 10;

/** Returns a function from an event's variant to its bounded label. */
export function variantLabeler(configured: readonly string[]): (variant: string | undefined) => string {
  const known = new Set(configured);
  const open = known.size === 0;
  return (variant) => {
    if (variant === undefined || variant === '') return 'none';
    if (known.has(variant)) return variant;
    if (open && known.size < maxSeenVariants && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})$/.test(variant)) {
      known.add(variant);
      return variant;
    }
    return 'other';
  };
}
