/**
 * The randomised comparison of model and rules: shelf events counted by arm (the shopper's
 * hashed assignment, `server/shoppers/holdout.ts`) and variant, turned into click-through and
 * add-to-cart rates per impression with Wilson intervals, and the lift of the model arm over
 * the holdout with Newcombe's interval. The arm is the assignment, not what served the shelf
 * (intention to treat): a model-arm shopper served the rules during an outage still counts
 * for the model, so the comparison stays randomised.
 */
import {
  type DifferenceInterval,
  type Estimate,
  estimateDifference,
  meanOverShoppers,
  type RateInterval,
  rateDifference,
  ratioOverShoppers,
  type SampleRatio,
  sampleRatio,
  wilsonInterval,
} from './proportions.ts';

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

/**
 * The experiment by shopper, the unit that was randomised (issue #23 item 4). Each shopper's impressions,
 * clicks, add-to-carts, purchases and revenue are summed; each arm's rates are then means or ratios over
 * its shoppers, with intervals over shoppers (`proportions.ts`), and the arms' sizes are checked against the
 * configured split (the sample-ratio check).
 *
 * **Fixed horizon, no peeking.** The comparison is decided once, on a number of shoppers per arm fixed in
 * advance (`horizonShoppers`): each arm's first shoppers by first event, no more. Before both arms reach it
 * the verdict is `running`, whatever the numbers say; after, every later run takes the same shoppers and
 * gives the same verdict, so a daily monitor re-running it cannot "peek" its way to a false alarm. (A
 * sequential test would allow stopping early; a fixed horizon is simpler to state and to audit.)
 */

/** One stored event as the experiment reads it. */
export interface ShopperEvent {
  /** The person: customer when known (or identified), else session. */
  shopper: string;
  arm: 'model' | 'holdout';
  variant?: string | undefined;
  type: string;
  /** When it was received (ms): orders shoppers by their first event. */
  at: number;
  /** A purchase's value (price × quantity); 0 or absent otherwise. */
  revenue?: number;
}

/** Per-shopper figures of one arm (or one variant of it). */
export interface ShopperArm {
  arm: 'model' | 'holdout';
  variant: string | null;
  shoppers: number;
  clickThrough: Estimate | null;
  addToCartRate: Estimate | null;
  impressionsPerShopper: Estimate | null;
  clicksPerShopper: Estimate | null;
  addToCartsPerShopper: Estimate | null;
  purchasesPerShopper: Estimate | null;
  revenuePerShopper: Estimate | null;
}

/** The metrics compared between arms. */
export const shopperMetrics = [
  'clickThrough',
  'addToCartRate',
  'impressionsPerShopper',
  'clicksPerShopper',
  'addToCartsPerShopper',
  'purchasesPerShopper',
  'revenuePerShopper',
] as const;

/** The comparison by shopper. */
export interface ShopperExperiment {
  rows: ShopperArm[];
  /** Model arm minus holdout (or challenger minus champion) per metric, over the analysed shoppers. */
  lift: Record<(typeof shopperMetrics)[number], Estimate | null>;
  sampleRatio: SampleRatio | null;
  horizon: {
    shoppersPerArm: number;
    reached: boolean;
    /** `running` until both arms reach the horizon; then `better`/`worse` when the primary's interval excludes 0. */
    verdict: 'running' | 'better' | 'worse' | 'no-difference';
    /** The metric the verdict is on. */
    primary: (typeof shopperMetrics)[number];
  };
}

interface Totals {
  arm: 'model' | 'holdout';
  variant: string | undefined;
  first: number;
  impressions: number;
  clicks: number;
  addToCarts: number;
  purchases: number;
  revenue: number;
}

function armFigures(arm: 'model' | 'holdout', variant: string | null, shoppers: readonly Totals[]): ShopperArm {
  const of = (pick: (t: Totals) => number) => shoppers.map(pick);
  const impressions = of((t) => t.impressions);
  return {
    arm,
    variant,
    shoppers: shoppers.length,
    clickThrough: ratioOverShoppers(
      of((t) => t.clicks),
      impressions,
    ),
    addToCartRate: ratioOverShoppers(
      of((t) => t.addToCarts),
      impressions,
    ),
    impressionsPerShopper: meanOverShoppers(impressions),
    clicksPerShopper: meanOverShoppers(of((t) => t.clicks)),
    addToCartsPerShopper: meanOverShoppers(of((t) => t.addToCarts)),
    purchasesPerShopper: meanOverShoppers(of((t) => t.purchases)),
    revenuePerShopper: meanOverShoppers(of((t) => t.revenue)),
  };
}

/** Sums events by shopper; `finish` compares the arms (or, given `variants`, two variants of the model arm). */
export function shopperExperiment() {
  const byShopper = new Map<string, Totals>();
  return {
    add(e: ShopperEvent): void {
      let t = byShopper.get(e.shopper);
      if (!t) {
        t = {
          arm: e.arm,
          variant: undefined,
          first: e.at,
          impressions: 0,
          clicks: 0,
          addToCarts: 0,
          purchases: 0,
          revenue: 0,
        };
        byShopper.set(e.shopper, t);
      }
      t.first = Math.min(t.first, e.at);
      // A shopper's variant is the first one an answer of theirs named (pinned per shopper by the proxy).
      if (t.variant === undefined && e.variant !== undefined && e.variant !== 'none') t.variant = e.variant;
      if (e.type === 'impression') t.impressions++;
      else if (e.type === 'click') t.clicks++;
      else if (e.type === 'add_to_cart') t.addToCarts++;
      else if (e.type === 'purchase') {
        t.purchases++;
        t.revenue += e.revenue ?? 0;
      }
    },
    finish(options: {
      expectedHoldoutShare: number;
      horizonShoppers: number;
      primary?: (typeof shopperMetrics)[number];
      /** Two variants of the model arm instead of model vs holdout: [treatment, control]. */
      variants?: readonly [string, string];
    }): ShopperExperiment {
      const all = [...byShopper.values()].sort((a, b) => a.first - b.first);
      const [treatment, control] = options.variants
        ? options.variants.map((v) => all.filter((t) => t.arm === 'model' && t.variant === v))
        : [all.filter((t) => t.arm === 'model'), all.filter((t) => t.arm === 'holdout')];
      const reached = treatment!.length >= options.horizonShoppers && control!.length >= options.horizonShoppers;
      // At the horizon, its first shoppers alone: later runs see the same ones.
      const cut = (group: Totals[]) => (reached ? group.slice(0, options.horizonShoppers) : group);
      const a = armFigures('model', options.variants?.[0] ?? null, cut(treatment!));
      const b = armFigures(options.variants ? 'model' : 'holdout', options.variants?.[1] ?? null, cut(control!));
      const lift = Object.fromEntries(
        shopperMetrics.map((m) => [m, estimateDifference(a[m], b[m])]),
      ) as ShopperExperiment['lift'];
      const primary = options.primary ?? 'clickThrough';
      const p = lift[primary];
      const verdict = !reached || !p ? 'running' : p.low > 0 ? 'better' : p.high < 0 ? 'worse' : 'no-difference';
      const models = all.filter((t) => t.arm === 'model').length;
      return {
        rows: [a, b],
        lift,
        sampleRatio: sampleRatio(models, all.length - models, options.expectedHoldoutShare),
        horizon: { shoppersPerArm: options.horizonShoppers, reached, verdict, primary },
      };
    },
  };
}
