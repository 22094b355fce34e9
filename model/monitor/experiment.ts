/**
 * The randomised comparison of model and rules: shelf events counted by arm (the shopper's
 * hashed assignment, `server/shoppers/holdout.ts`) and variant, turned into click-through and
 * add-to-cart rates per impression with Wilson intervals, and the lift of the model arm over
 * the holdout with Newcombe's interval. The arm is the assignment, not what served the shelf
 * (intention to treat): a model-arm shopper served the rules during an outage still counts
 * for the model, so the comparison stays randomised.
 */
import { type DifferenceInterval, type RateInterval, rateDifference, wilsonInterval } from './proportions.ts';

/** Events of one type, arm and variant. */
export interface ExperimentCount {
  arm: string;
  variant: string;
  type: string;
  count: number;
}

/** One row of the comparison: an arm as a whole (`variant` null) or one variant of it. */
export interface ArmFigures {
  arm: 'model' | 'holdout';
  variant: string | null;
  impressions: number;
  clicks: number;
  addToCarts: number;
  /** Clicks per impression. */
  clickThrough: RateInterval | null;
  /** Add-to-carts per impression. */
  addToCart: RateInterval | null;
}

/** The comparison: the arms and their variants, and the model arm's lift over the holdout. */
export interface ExperimentSummary {
  rows: ArmFigures[];
  /** Model arm minus holdout, in rate (0.01 = one percentage point); null while an arm has no impressions. */
  lift: { clickThrough: DifferenceInterval | null; addToCart: DifferenceInterval | null };
}

const arms = ['model', 'holdout'] as const;
const shelfTypes = new Set(['impression', 'click', 'add_to_cart']);

function figures(arm: ArmFigures['arm'], variant: string | null, counts: readonly ExperimentCount[]): ArmFigures {
  const sum = (type: string) =>
    counts
      .filter((c) => c.arm === arm && c.type === type && (variant === null || c.variant === variant))
      .reduce((total, c) => total + c.count, 0);
  const impressions = sum('impression');
  const clicks = sum('click');
  const addToCarts = sum('add_to_cart');
  return {
    arm,
    variant,
    impressions,
    clicks,
    addToCarts,
    clickThrough: wilsonInterval(clicks, impressions),
    addToCart: wilsonInterval(addToCarts, impressions),
  };
}

/**
 * Summarises event counts: each arm, then each variant seen in it (`none` in the model arm is
 * model-arm shoppers served the rules; the holdout's variants are listed only when not all
 * `none`). Events with another arm (older events, stored before arms were) are left out.
 */
export function summariseExperiment(counts: readonly ExperimentCount[]): ExperimentSummary {
  const rows: ArmFigures[] = [];
  for (const arm of arms) {
    rows.push(figures(arm, null, counts));
    // Only shelf events name a variant worth a row (a purchase carries none).
    const shelf = counts.filter((c) => c.arm === arm && c.count > 0 && shelfTypes.has(c.type));
    const variants = [...new Set(shelf.map((c) => c.variant))].sort();
    // The model arm always names its variants; the holdout's only variant is normally `none`.
    if (arm === 'model' || variants.length > 1)
      for (const variant of variants) rows.push(figures(arm, variant, counts));
  }
  const model = rows.find((r) => r.arm === 'model' && r.variant === null)!;
  const holdout = rows.find((r) => r.arm === 'holdout' && r.variant === null)!;
  return {
    rows,
    lift: {
      clickThrough: rateDifference(model.clickThrough, holdout.clickThrough),
      addToCart: rateDifference(model.addToCart, holdout.addToCart),
    },
  };
}
