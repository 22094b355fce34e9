/**
 * Model Monitor's data-quality check, on the captured shelves: their statistics in the baseline's
 * words (`model/training/baseline.ts`) and the violations of the baseline's constraints, in
 * Model Monitor's `constraint_violations.json` shape. The checks, as Model Monitor names them:
 *
 * - `baseline_drift_check`: the largest gap between the baseline's and the current cumulative
 *   bucket shares (the Kolmogorov–Smirnov distance on the buckets; the distance Model Monitor
 *   reports for numbers) above `comparison_threshold`. Input drift: `input.context_popularity_bin`;
 *   output drift: `output.popularity_bin_mean`, `output.fill_ratio`.
 * - `categorical_values_check`: the share of values inside the baseline's domain (items the model
 *   was trained on) below `domain_content_threshold`.
 * - `completeness_check`: the share of rows with the feature below the constraint's completeness.
 *
 * A feature with fewer than `minimumValues` current values is not checked and says so.
 */
import type { DatasetConstraints, DatasetStatistics } from '../training/baseline.ts';

/** One violation, as Model Monitor writes it. */
export interface Violation {
  feature_name: string;
  constraint_check_type: 'baseline_drift_check' | 'categorical_values_check' | 'completeness_check';
  description: string;
}

/** Fewer current values than this and a feature is left unchecked (the distance would be noise). */
export const minimumValues = 100;

type FeatureStatistics = DatasetStatistics['features'][number];

/** Cumulative shares of a numeric feature's buckets. */
function cumulativeShares(feature: FeatureStatistics): number[] {
  const buckets = feature.numerical_statistics?.distribution.kll.buckets ?? [];
  const total = buckets.reduce((a, b) => a + b.count, 0);
  let running = 0;
  return buckets.map((b) => (running += b.count) / Math.max(1, total));
}

/** The KS distance between two numeric features' bucket distributions (same buckets). */
export function bucketDistance(baseline: FeatureStatistics, current: FeatureStatistics): number {
  const a = cumulativeShares(baseline);
  const b = cumulativeShares(current);
  let distance = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    distance = Math.max(distance, Math.abs((a[i] ?? 1) - (b[i] ?? 1)));
  return distance;
}

/** The violations of `constraints` by `current`; `unchecked` names the features with too little data. */
export function dataQualityViolations(
  baseline: DatasetStatistics,
  constraints: DatasetConstraints,
  current: DatasetStatistics,
  currentDomainShare: (feature: string, domain: ReadonlySet<string>) => { inside: number; of: number },
): { violations: Violation[]; unchecked: string[]; distances: Record<string, number> } {
  const violations: Violation[] = [];
  const unchecked: string[] = [];
  const distances: Record<string, number> = {};
  const config = constraints.monitoring_config;
  for (const constraint of constraints.features) {
    const now = current.features.find((f) => f.name === constraint.name);
    const then = baseline.features.find((f) => f.name === constraint.name);
    const common = now && (now.numerical_statistics ?? now.string_statistics)!.common;
    if (!now || !then || !common || common.num_present < minimumValues) {
      unchecked.push(`${constraint.name} (${common?.num_present ?? 0} of ${minimumValues} values)`);
      continue;
    }
    const completeness = common.num_present / (common.num_present + common.num_missing);
    if (completeness < constraint.completeness)
      violations.push({
        feature_name: constraint.name,
        constraint_check_type: 'completeness_check',
        description:
          `Data completeness of ${constraint.name} is ${completeness.toFixed(4)}, below the baseline's ` +
          `${constraint.completeness.toFixed(4)}`,
      });
    if ('string_constraints' in constraint && constraint.string_constraints) {
      const { inside, of } = currentDomainShare(constraint.name, new Set(constraint.string_constraints.domains));
      const share = of > 0 ? inside / of : 1;
      if (share < config.domain_content_threshold)
        violations.push({
          feature_name: constraint.name,
          constraint_check_type: 'categorical_values_check',
          description:
            `Only ${(share * 100).toFixed(1)} % of ${constraint.name}'s ${of} values are in the baseline's domain ` +
            `(items the model was trained on); the threshold is ${config.domain_content_threshold * 100} %`,
        });
      continue;
    }
    const distance = bucketDistance(then, now);
    distances[constraint.name] = distance;
    const { comparison_threshold, perform_comparison } = config.distribution_constraints;
    if (perform_comparison === 'Enabled' && distance > comparison_threshold)
      violations.push({
        feature_name: constraint.name,
        constraint_check_type: 'baseline_drift_check',
        description:
          `Baseline drift distance ${distance.toFixed(4)} of ${constraint.name} exceeds the threshold ` +
          `${comparison_threshold} (${common.num_present} current values)`,
      });
  }
  return { violations, unchecked, distances };
}
