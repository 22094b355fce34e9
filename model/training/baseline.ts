/**
 * Model Monitor's baseline, written where training writes the artifact (`baseline/` inside it):
 * `statistics.json` and `constraints.json` in SageMaker Model Monitor's shapes (data quality:
 * `features` with `numerical_statistics` / `string_statistics`, `monitoring_config`), plus
 * `popularity-bins.json` (item → bin, the binning the drift features use) and
 * `model-quality-constraints.json` (coverage, share of fallbacks, live NDCG, as Model Monitor's
 * model-quality thresholds). `npm run monitor` compares captured inferences with it.
 *
 * The rows are what a captured call says (`inferenceRow`), one per shelf asked. At training time
 * they come from the model itself, asked as a shop asks it (known customers on the home shelf,
 * anonymous shoppers and customers with a context item bought in training), so input and output
 * are described in the same words as the captures. KLL sketches are not written: the buckets are.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { servedRecommender } from '../container/served-model.ts';
import type { ItemItemParts } from '../recommenders/item-item.ts';
import { seeded } from '../recommenders/seeded-random.ts';

/** Bins of the popularity features: items cut into this many groups of equal training mass. */
export const popularityBins = 10;
/** Answers the baseline's model-quality figures (coverage) are measured on, at most. */
export const coverageSizes = [100, 250, 500, 1000, 2000] as const;

/** What one captured shelf says, as the monitor's features. */
export interface InferenceRow {
  placement: string | null;
  shopper: 'customer' | 'anonymous';
  contextItems: number;
  /** The first (most relevant) context item, or null without context. */
  contextItem: string | null;
  /** Its popularity bin (0 = the most bought tenth of training mass), null if none or unknown. */
  contextPopularityBin: number | null;
  /** Recommendations returned per recommendation asked (1 = a full answer). */
  fillRatio: number | null;
  /** Mean popularity bin of the items recommended; null when none is known or none was returned. */
  popularityBinMean: number | null;
  recommended: string[];
}

/** A feature: its Model Monitor name and type, how a row gives it, and whether it is compared. */
interface Feature {
  name: string;
  type: 'Integral' | 'Fractional' | 'String';
  of: (row: InferenceRow) => number | string | null;
  /** Numeric buckets' bounds (lower bound of each; the last bucket is open above). */
  bounds?: readonly number[];
  /** Compared with the baseline (input or output drift), or only described. */
  compared: boolean;
}

const binBounds = Array.from({ length: popularityBins }, (_, b) => b);
const fillBounds = [0, 0.25, 0.5, 0.75, 1];

/** The features, in the order statistics.json lists them. */
export const features: readonly Feature[] = [
  { name: 'input.placement', type: 'String', of: (r) => r.placement, compared: false },
  { name: 'input.shopper', type: 'String', of: (r) => r.shopper, compared: false },
  {
    name: 'input.context_items',
    type: 'Integral',
    of: (r) => r.contextItems,
    bounds: [0, 1, 2, 5, 10],
    compared: false,
  },
  { name: 'input.context_item', type: 'String', of: (r) => r.contextItem, compared: true },
  {
    name: 'input.context_popularity_bin',
    type: 'Integral',
    of: (r) => r.contextPopularityBin,
    bounds: binBounds,
    compared: true,
  },
  { name: 'output.fill_ratio', type: 'Fractional', of: (r) => r.fillRatio, bounds: fillBounds, compared: true },
  {
    name: 'output.popularity_bin_mean',
    type: 'Fractional',
    of: (r) => r.popularityBinMean,
    bounds: binBounds,
    compared: true,
  },
];

/** Item id → popularity bin: items in training order (most buyers first), cut by equal training mass. */
export function popularityBinsOf(itemIds: readonly string[], trainingBuyers: ArrayLike<number>): Map<string, number> {
  const binOf = binsByTrainingMass(trainingBuyers, popularityBins);
  return new Map(itemIds.map((id, i) => [id, binOf[i]!]));
}

/** Cuts items 0..n−1 (most training buyers first) into `bins` groups of about equal training mass. */
export function binsByTrainingMass(trainingBuyers: ArrayLike<number>, bins: number): Int32Array {
  let total = 0;
  for (let i = 0; i < trainingBuyers.length; i++) total += trainingBuyers[i]!;
  const binOf = new Int32Array(trainingBuyers.length);
  let cumulative = 0;
  for (let i = 0; i < trainingBuyers.length; i++) {
    // The bin is decided by the mass before the item, so every bin up to the last gets items.
    binOf[i] = total > 0 ? Math.min(bins - 1, Math.floor((cumulative / total) * bins)) : 0;
    cumulative += trainingBuyers[i]!;
  }
  return binOf;
}

/** The row of one shelf: what was asked (`userId`, `items`, `k`, `placement`) and the ids answered. */
export function inferenceRow(
  asked: { userId?: string | undefined; items?: readonly string[]; k?: number; placement?: string | undefined },
  answered: readonly string[],
  binOf: ReadonlyMap<string, number>,
): InferenceRow {
  const items = asked.items ?? [];
  const known = answered.map((id) => binOf.get(id)).filter((b): b is number => b !== undefined);
  return {
    placement: asked.placement ?? null,
    shopper: asked.userId ? 'customer' : 'anonymous',
    contextItems: items.length,
    contextItem: items[0] ?? null,
    contextPopularityBin: items[0] === undefined ? null : (binOf.get(items[0]) ?? null),
    fillRatio: asked.k && asked.k > 0 ? Math.min(1, answered.length / asked.k) : null,
    popularityBinMean: known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : null,
    recommended: [...answered],
  };
}

type Buckets = Array<{ lower_bound: number; upper_bound: number; count: number }>;

/** Model Monitor's statistics.json for `rows`. */
export function datasetStatistics(rows: readonly InferenceRow[]) {
  return {
    version: 0.0,
    dataset: { item_count: rows.length },
    features: features.map((feature) => {
      const values = rows.map(feature.of).filter((v) => v !== null);
      const common = { num_present: values.length, num_missing: rows.length - values.length };
      if (feature.type === 'String') {
        const counts = new Map<string, number>();
        for (const v of values as string[]) counts.set(v, (counts.get(v) ?? 0) + 1);
        const buckets = [...counts].sort((a, b) => b[1] - a[1]).map(([value, count]) => ({ value, count }));
        return {
          name: feature.name,
          inferred_type: feature.type,
          string_statistics: {
            common,
            distinct_count: counts.size,
            // The 100 most frequent values: enough to read, small enough to keep.
            distribution: { categorical: { buckets: buckets.slice(0, 100) } },
          },
        };
      }
      const numbers = values as number[];
      const sum = numbers.reduce((a, b) => a + b, 0);
      const mean = numbers.length > 0 ? sum / numbers.length : 0;
      const variance = numbers.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, numbers.length);
      const bounds = feature.bounds!;
      const buckets: Buckets = bounds.map((lower, i) => ({
        lower_bound: lower,
        upper_bound: bounds[i + 1] ?? Math.max(lower, ...numbers),
        count: numbers.filter((v) => v >= lower && (i === bounds.length - 1 || v < bounds[i + 1]!)).length,
      }));
      return {
        name: feature.name,
        inferred_type: feature.type,
        numerical_statistics: {
          common,
          mean,
          sum,
          std_dev: Math.sqrt(variance),
          min: numbers.length > 0 ? Math.min(...numbers) : 0,
          max: numbers.length > 0 ? Math.max(...numbers) : 0,
          distribution: { kll: { buckets } },
        },
      };
    }),
  };
}

/** Model Monitor's statistics.json shape, as `datasetStatistics` writes it. */
export type DatasetStatistics = ReturnType<typeof datasetStatistics>;

/** Distinct items recommended per catalog item, over the first `n` rows (null with fewer rows). */
export function coverageAt(rows: readonly InferenceRow[], n: number, catalogSize: number): number | null {
  if (rows.length < n || catalogSize <= 0) return null;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) for (const id of rows[i]!.recommended) seen.add(id);
  return seen.size / catalogSize;
}

/** Model Monitor's constraints.json for a baseline: the compared features, their types and domains. */
export function suggestConstraints(statistics: DatasetStatistics, knownItems: readonly string[]) {
  return {
    version: 0.0,
    features: statistics.features
      .filter((f) => features.find((g) => g.name === f.name)!.compared)
      .map((f) => ({
        name: f.name,
        inferred_type: f.inferred_type,
        // A shelf without context is normal (the home shelf), so input features need no completeness.
        completeness: f.name.startsWith('input.')
          ? 0
          : completeness((f.numerical_statistics ?? f.string_statistics)!.common),
        ...(f.inferred_type === 'String'
          ? { string_constraints: { domains: [...knownItems] } }
          : { num_constraints: { is_non_negative: true } }),
      })),
    monitoring_config: {
      evaluate_constraints: 'Enabled',
      emit_metrics: 'Enabled',
      datatype_check_threshold: 1.0,
      // New products reach the shop before the model: 5 % of context items unknown to it is normal.
      domain_content_threshold: 0.95,
      distribution_constraints: {
        perform_comparison: 'Enabled',
        comparison_threshold: 0.1,
        comparison_method: 'Simple',
      },
    },
  };
}

const completeness = (c: { num_present: number; num_missing: number }): number =>
  c.num_present + c.num_missing > 0 ? c.num_present / (c.num_present + c.num_missing) : 0;

/** Model Monitor's constraints.json shape, as `suggestConstraints` writes it. */
export type DatasetConstraints = ReturnType<typeof suggestConstraints>;

/** Writes the baseline files into `dir` from `rows` (what the model answered) and the model's items. */
export function writeBaseline(
  dir: string,
  baseline: {
    modelVersion: string;
    itemIds: readonly string[];
    binOf: ReadonlyMap<string, number>;
    rows: InferenceRow[];
  },
): void {
  mkdirSync(dir, { recursive: true });
  const statistics = { ...datasetStatistics(baseline.rows), model_version: baseline.modelVersion };
  const coverage = Object.fromEntries(
    coverageSizes.map((n) => [n, coverageAt(baseline.rows, n, baseline.itemIds.length)]).filter(([, c]) => c !== null),
  );
  const write = (name: string, value: unknown): void =>
    writeFileSync(join(dir, name), `${JSON.stringify(value, null, 1)}\n`);
  write('statistics.json', statistics);
  write('constraints.json', suggestConstraints(statistics, baseline.itemIds));
  write('popularity-bins.json', { bins: popularityBins, binOf: Object.fromEntries(baseline.binOf) });
  write('model-quality-constraints.json', {
    version: 0.0,
    recommendation_constraints: {
      // Coverage far below what the model reached on the same number of answers: the shelf has narrowed.
      coverage: { baseline: coverage, threshold_share_of_baseline: 0.5, comparison_operator: 'LessThanThreshold' },
      fallback_share: { threshold: 0.05, comparison_operator: 'GreaterThanThreshold' },
      // The served shelf's live NDCG minus the training-time popularity shelf's, upper bound of its interval.
      ndcg_over_popularity: { threshold: 0, comparison_operator: 'LessThanThreshold' },
    },
    popularity_shelf: baseline.itemIds.slice(0, 24),
  });
}

/**
 * The baseline of a freshly trained item-item artifact in `out/baseline/`: the model asked as a shop
 * asks it (half known customers on the home shelf, three tenths anonymous shoppers on a product
 * page, two tenths customers with a basket item), 2,000 shelves of 8, from a fixed seed.
 */
export function writeTrainingBaseline(
  out: string,
  model: {
    modelVersion: string;
    parts: ItemItemParts;
    itemIds: string[];
    userIds: string[];
    itemBuyers: ArrayLike<number>;
  },
): void {
  const recommender = servedRecommender(model.parts);
  const binOf = popularityBinsOf(model.itemIds, model.itemBuyers);
  const random = seeded(20_111_209);
  const pick = (n: number): number => Math.floor(random() * n);
  const rows: InferenceRow[] = [];
  const { userPtr, userItems } = model.parts;
  const k = 8;
  for (let i = 0; i < coverageSizes.at(-1)! && model.userIds.length > 0; i++) {
    const user = pick(model.userIds.length);
    const history = userItems.subarray(userPtr[user]!, userPtr[user + 1]!);
    const kind = random();
    const context = kind < 0.5 || history.length === 0 ? [] : [history[pick(history.length)]!];
    const asked = {
      ...(kind < 0.5 || kind >= 0.8 ? { userId: model.userIds[user]! } : {}),
      items: context.map((item) => model.itemIds[item]!),
      k,
      placement: kind < 0.5 ? 'home' : kind < 0.8 ? 'product' : 'cart',
    };
    const answer = recommender.recommend({
      ...(asked.userId === undefined ? {} : { user }),
      context,
      k,
      exclude: new Set(context),
    });
    rows.push(
      inferenceRow(
        asked,
        answer.map((s) => model.itemIds[s.item]!),
        binOf,
      ),
    );
  }
  writeBaseline(join(out, 'baseline'), { modelVersion: model.modelVersion, itemIds: model.itemIds, binOf, rows });
}
