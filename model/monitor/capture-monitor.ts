/**
 * The scheduled comparison of `npm run monitor`, in the manner of a Model Monitor execution: the
 * shelves the endpoint answered (its data capture), the shop's events (what the proxy saw) and the
 * baseline written at training time (`model/training/baseline.ts`) give
 *
 *   data-quality/statistics.json, data-quality/constraint_violations.json   (input and output drift)
 *   model-quality/statistics.json, model-quality/constraint_violations.json (coverage, share of
 *     fallbacks, live NDCG of the served shelf from the ground-truth merge)
 *
 * It needs no model artifact: any container that keeps the invocation contract is monitored from what
 * it answered. Without a baseline it still writes the statistics and says there was nothing to compare.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StoredEvent } from '../../server/events/stored-line.ts';
import {
  coverageAt,
  coverageSizes,
  type DatasetConstraints,
  type DatasetStatistics,
  datasetStatistics,
  features,
  inferenceRow,
} from '../training/baseline.ts';
import { readCapturedShelves } from './captured-inferences.ts';
import { dataQualityViolations, type Violation } from './data-quality.ts';
import { type FallbackShare, fallbackShareCounter } from './fallback-share.ts';
import { groundTruthMerge, type LiveNdcg } from './ground-truth.ts';

const DAY_MS = 86_400_000;

/** Where to read and write, and over what time. */
export interface CaptureMonitorOptions {
  captureDir: string;
  endpoint: string;
  /** The baseline folder (`<artifact>/baseline`, or one copied from the training job's output). */
  baselineDir: string;
  outDir: string;
  now: number;
  /** Drift, coverage and fallbacks over the shelves of the last `days`. */
  days: number;
  /** Purchases within this many days after a shelf are its ground truth. */
  horizonDays: number;
  /** The served shelf's length (the placement limit, 8). */
  k: number;
  modelIdOf: (customerId: string) => string;
}

/** A model-quality violation, in Model Monitor's shape. */
export interface MetricViolation {
  metric_name: string;
  constraint_check_type: 'LessThanThreshold' | 'GreaterThanThreshold';
  description: string;
}

/** What a run found, for the report and the gauges. */
export interface CaptureMonitorResult {
  window: { from: string; to: string };
  capture: { dir: string; files: number; records: number; badLines: number; shelves: number; variants: string[] };
  baseline: { dir: string; modelVersion: string | null } | null;
  dataQuality: { violations: Violation[]; unchecked: string[]; distances: Record<string, number> } | null;
  coverage: { value: number; answers: number; baseline: number | null } | null;
  fallbackShare: FallbackShare | null;
  liveNdcg: LiveNdcg | null;
  modelQualityViolations: MetricViolation[];
  outputs: string[];
}

interface ModelQualityConstraints {
  recommendation_constraints: {
    coverage: { baseline: Record<string, number>; threshold_share_of_baseline: number };
    fallback_share: { threshold: number };
    ndcg_over_popularity: { threshold: number };
  };
  popularity_shelf: string[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Writes `value` as JSON to `file` whole or not at all. */
function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Starts a run; feed it the stored events since `since`, then `finish`. */
export function createCaptureMonitor(options: CaptureMonitorOptions) {
  const from = options.now - options.days * DAY_MS;
  // statistics.json and constraints.json are Model Monitor's; the other two are ours, and optional.
  const baselineFile = (name: string): string | undefined => {
    const file = join(options.baselineDir, name);
    return existsSync(file) ? file : undefined;
  };
  const hasBaseline = baselineFile('constraints.json') !== undefined && baselineFile('statistics.json') !== undefined;
  const qualityFile = hasBaseline ? baselineFile('model-quality-constraints.json') : undefined;
  const quality = qualityFile ? readJson<ModelQualityConstraints>(qualityFile) : undefined;
  const binsFile = hasBaseline ? baselineFile('popularity-bins.json') : undefined;
  const fallbacks = fallbackShareCounter(from, options.now);
  const merge = groundTruthMerge({
    now: options.now,
    horizonDays: options.horizonDays,
    k: options.k,
    modelIdOf: options.modelIdOf,
    popularity: quality?.popularity_shelf ?? [],
  });

  function add(event: StoredEvent): void {
    fallbacks.add(event);
    merge.add(event);
  }

  function finish(): CaptureMonitorResult {
    // The ground truth looks back one horizon further: those shelves' purchases are in by now.
    const reading = readCapturedShelves(
      options.captureDir,
      options.endpoint,
      from - options.horizonDays * DAY_MS,
      options.now,
    );
    const recent = reading.shelves.filter((s) => s.at >= from);
    const binOf = new Map<string, number>(
      binsFile ? Object.entries(readJson<{ binOf: Record<string, number> }>(binsFile).binOf) : [],
    );
    const rows = recent.map((s) => inferenceRow(s.asked, s.answered, binOf));
    const current = datasetStatistics(rows);
    const outputs: string[] = [];
    const write = (name: string, value: unknown): void => {
      writeJson(join(options.outDir, name), value);
      outputs.push(join(options.outDir, name));
    };
    write('data-quality/statistics.json', current);

    let dataQuality: CaptureMonitorResult['dataQuality'] = null;
    let baseline: CaptureMonitorResult['baseline'] = null;
    if (hasBaseline) {
      const statistics = readJson<DatasetStatistics & { model_version?: string }>(
        join(options.baselineDir, 'statistics.json'),
      );
      const constraints = readJson<DatasetConstraints>(join(options.baselineDir, 'constraints.json'));
      baseline = { dir: options.baselineDir, modelVersion: statistics.model_version ?? null };
      dataQuality = dataQualityViolations(statistics, constraints, current, (name, domain) => {
        const of = features.find((f) => f.name === name)!.of;
        const values = rows.map(of).filter((v): v is string => typeof v === 'string');
        return { inside: values.filter((v) => domain.has(v)).length, of: values.length };
      });
      write('data-quality/constraint_violations.json', { violations: dataQuality.violations });
    }

    const catalog = binOf.size;
    const size = [...coverageSizes].reverse().find((n) => n <= rows.length);
    const coverageValue = size === undefined ? null : coverageAt(rows, size, catalog);
    const coverage =
      size !== undefined && coverageValue !== null
        ? {
            value: coverageValue,
            answers: size,
            baseline: quality?.recommendation_constraints.coverage.baseline[size] ?? null,
          }
        : null;
    const fallbackShare = fallbacks.finish();
    const liveNdcg = merge.merge(reading.shelves);

    const violations: MetricViolation[] = [];
    const limits = quality?.recommendation_constraints;
    if (limits && coverage?.baseline != null) {
      const threshold = coverage.baseline * limits.coverage.threshold_share_of_baseline;
      if (coverage.value < threshold)
        violations.push({
          metric_name: 'coverage',
          constraint_check_type: 'LessThanThreshold',
          description:
            `Metric coverage with ${coverage.value.toFixed(4)} on ${coverage.answers} answers was LessThanThreshold ` +
            `${threshold.toFixed(4)} (half the baseline's ${coverage.baseline.toFixed(4)} on as many answers)`,
        });
    }
    if (limits && fallbackShare && fallbackShare.share > limits.fallback_share.threshold)
      violations.push({
        metric_name: 'fallback_share',
        constraint_check_type: 'GreaterThanThreshold',
        description:
          `Metric fallback_share with ${fallbackShare.share.toFixed(4)} (${fallbackShare.fallbacks} of ` +
          `${fallbackShare.shelves} shelves) was GreaterThanThreshold ${limits.fallback_share.threshold}`,
      });
    if (limits && liveNdcg && liveNdcg.overPopularity.high < limits.ndcg_over_popularity.threshold)
      violations.push({
        metric_name: 'ndcg_over_popularity',
        constraint_check_type: 'LessThanThreshold',
        description:
          `Metric ndcg_over_popularity with ${liveNdcg.overPopularity.difference.toFixed(4)} (95 % upper bound ` +
          `${liveNdcg.overPopularity.high.toFixed(4)}, ${liveNdcg.shoppers} shoppers) was LessThanThreshold ` +
          `${limits.ndcg_over_popularity.threshold}: the served shelf does worse than the popularity shelf`,
      });
    write('model-quality/statistics.json', {
      version: 0.0,
      dataset: { item_count: rows.length },
      recommendation_metrics: {
        coverage: coverage && { value: coverage.value, answers: coverage.answers },
        fallback_share: fallbackShare && { value: fallbackShare.share, shelves: fallbackShare.shelves },
        [`ndcg_at_${options.k}`]: liveNdcg && {
          value: liveNdcg.ndcg.mean,
          confidence_interval: [liveNdcg.ndcg.low, liveNdcg.ndcg.high],
          shoppers: liveNdcg.shoppers,
        },
        ndcg_over_popularity: liveNdcg && {
          value: liveNdcg.overPopularity.difference,
          confidence_interval: [liveNdcg.overPopularity.low, liveNdcg.overPopularity.high],
        },
      },
    });
    if (limits) write('model-quality/constraint_violations.json', { violations });
    return {
      window: { from: new Date(from).toISOString(), to: new Date(options.now).toISOString() },
      capture: {
        dir: options.captureDir,
        files: reading.files,
        records: reading.records,
        badLines: reading.badLines,
        shelves: recent.length,
        variants: [...new Set(recent.map((s) => s.variant))].sort(),
      },
      baseline,
      dataQuality,
      coverage,
      fallbackShare,
      liveNdcg,
      modelQualityViolations: violations,
      outputs,
    };
  }

  return { add, finish, since: from - options.horizonDays * DAY_MS };
}
