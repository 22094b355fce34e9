/**
 * The `variant` label of the shelf-event counter. An event's variant comes from the browser,
 * so it could be anything: the labels are only the variants the proxy itself knows, those
 * configured (`RECO_VARIANTS`) and those its own model answers came from
 * (`InvokedProductionVariant`, up to `maxSeenVariants`); any other name counts as `other`,
 * and an event with no variant (a rules answer) as `none`. A page can therefore neither add
 * labels nor use up the places of the real variants.
 */

/** How many variant names seen in answers are labelled besides the configured ones; SageMaker allows ten. */
export const maxSeenVariants = 10;

/** SageMaker's production variant name pattern. */
const variantName = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})$/;

/** The variants this proxy knows, and the bounded label of an event's variant. */
export class VariantLabels {
  readonly #known: Set<string>;
  #seen = 0;

  constructor(configured: readonly string[]) {
    this.#known = new Set(configured);
  }

  /** A variant one of this proxy's model answers came from: labelled from now on (up to the bound). */
  saw(variant: string): void {
    if (this.#known.has(variant) || this.#seen >= maxSeenVariants || !variantName.test(variant)) return;
    this.#known.add(variant);
    this.#seen++;
  }

  /** The label of an event's variant. */
  label(variant: string | undefined): string {
    if (variant === undefined || variant === '') return 'none';
    return this.#known.has(variant) ? variant : 'other';
  }
}
