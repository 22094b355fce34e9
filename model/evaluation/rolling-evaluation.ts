/**
 * The test: rolling monthly cut-offs. At each cut-off every model is fitted on everything before
 * it with its validation-chosen setting and scored on the month after, in every view; the
 * per-customer scores are then pooled over the cut-offs, and each model is compared with the
 * shipped one by a paired bootstrap that resamples customers (one customer recurs across cut-offs).
 * Scores are cached per cut-off (`score-cache.ts`), so a re-run fits only what changed.
 */
import type { Purchase } from '../../data/purchases.ts';
import { fitSpec, type ModelSpec } from '../training/candidates.ts';
import { type BootstrapOptions, clusteredPairedBootstrap, type PairedInterval } from './bootstrap.ts';
import { cutoffOf, type EvaluationRow, type KnownView, queriesOf, type View, views } from './evaluate-recommender.ts';
import { cachedEvaluations } from './score-cache.ts';
import { type TestPeriodCounts, temporalSplit } from './split.ts';
import { concatTyped } from '../recommenders/typed-arrays.ts';

/** A row of the pooled table: one model (or blend variant) in one view, over every cut-off. */
export interface PooledRow extends EvaluationRow {
  /** NDCG of this row minus the shipped model's, on the same customers, with its interval; null for the shipped row. */
  vsShipped: PairedInterval | null;
  /** NDCG at each cut-off, in cut-off order. */
  perCutoff: number[];
  /** The entry `vsShipped` compares with when not the shipped model (an ablation variant of the blend alone). */
  versus?: string;
}

/** The shipped model against the best single baseline in one view. */
export interface ViewMargin {
  view: View;
  /** Which cut-offs are pooled: all of them, or only those nothing was designed on. */
  scope: 'all' | 'unseen';
  shippedNdcg: number;
  bestOther: string;
  bestOtherNdcg: number;
  /** shipped ÷ best other − 1. */
  relative: number;
  /** Shipped minus best other, with its interval. */
  difference: PairedInterval;
}

/** One cut-off's facts. */
export interface CutoffReport {
  trainBefore: string;
  testBefore: string;
  /** True when the shipped design was settled after looking at data from this cut-off on. */
  designSeen: boolean;
  trainItems: number;
  customers: Record<View, number>;
  counts: TestPeriodCounts;
  /** Seconds to fit and score what was not cached. */
  seconds: number;
}

export interface RollingReport {
  cutoffs: CutoffReport[];
  models: PooledRow[];
  /** Blend variants, each without one part (the ablation). */
  ablation: PooledRow[];
  margins: ViewMargin[];
  seconds: number;
}

/** A table row to evaluate: its setting per view (undefined: not in that view). */
export interface Entry {
  name: string;
  specIn: (view: View) => ModelSpec | undefined;
  /** Ablation variants are not baselines: they are left out of the margins. */
  ablation?: boolean;
  /** Compare with this entry instead of the shipped model (its scores are pooled the same way). */
  versus?: string;
}

/** Pools, compares and reports the entries over `cutoffs` (epoch ms; each tests up to the next, the last to `end`). */
export function evaluateRolling(
  purchases: readonly Purchase[],
  cutoffs: readonly number[],
  end: number,
  entries: readonly Entry[],
  shipped: string,
  options: { bootstrap: BootstrapOptions; designSeenFrom: number; cacheDir?: string; log?: (line: string) => void },
): RollingReport {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const customerIds = new Map<string, number>();
  const clusterOf = (customer: string) => {
    if (!customerIds.has(customer)) customerIds.set(customer, customerIds.size);
    return customerIds.get(customer)!;
  };
  // (entry, view) → per-cut-off scores; view → per-cut-off customers.
  const scores = new Map<string, { row: EvaluationRow; ndcgPerTarget: Float64Array }[]>();
  const clusters = new Map<View, Int32Array[]>(views.map((v) => [v, []]));
  const cutoffReports: CutoffReport[] = [];
  cutoffs.forEach((cutoff, c) => {
    const cutoffStarted = performance.now();
    const testBefore = cutoffs[c + 1] ?? end;
    const split = temporalSplit(purchases, cutoff, testBefore);
    for (const view of views)
      clusters.get(view)!.push(Int32Array.from(queriesOf(split, view).map((q) => clusterOf(q.customer))));
    // Entries sharing a spec share one fit: group the views each spec is wanted in.
    const bySpec = new Map<string, { spec: ModelSpec; wanted: View[] }>();
    for (const entry of entries)
      for (const view of views) {
        const spec = entry.specIn(view);
        if (!spec) continue;
        const key = JSON.stringify(spec);
        if (!bySpec.has(key)) bySpec.set(key, { spec, wanted: [] });
        if (!bySpec.get(key)!.wanted.includes(view)) bySpec.get(key)!.wanted.push(view);
      }
    const results = new Map<string, Map<View, { row: EvaluationRow; ndcgPerTarget: Float64Array }>>();
    for (const [key, { spec, wanted }] of bySpec) {
      const { evaluations, fitted } = cachedEvaluations(options.cacheDir, split, spec, wanted, () =>
        fitSpec(split.train, spec),
      );
      if (fitted) log(`evaluate: ${day(cutoff)} ${spec.name} fitted and scored in ${wanted.join(', ')}`);
      results.set(key, evaluations);
    }
    for (const entry of entries)
      for (const view of views) {
        const spec = entry.specIn(view);
        if (!spec) continue;
        const at = `${entry.name}/${view}`;
        if (!scores.has(at)) scores.set(at, []);
        scores.get(at)!.push(results.get(JSON.stringify(spec))!.get(view)!);
      }
    cutoffReports.push({
      trainBefore: day(cutoff),
      testBefore: day(testBefore),
      designSeen: cutoff >= options.designSeenFrom,
      trainItems: split.train.itemIds.length,
      customers: Object.fromEntries(views.map((v) => [v, queriesOf(split, v).length])) as Record<View, number>,
      counts: split.counts,
      seconds: seconds(cutoffStarted),
    });
    log(`evaluate: cut-off ${day(cutoff)} done in ${seconds(cutoffStarted)} s`);
  });

  const unseen = cutoffReports.map((r, c) => (r.designSeen ? -1 : c)).filter((c) => c >= 0);
  const all = cutoffs.map((_, c) => c);
  const pooled = (name: string, view: View, only: readonly number[] = all) => {
    const parts = scores.get(`${name}/${view}`)!;
    return {
      ndcg: concatTyped(
        only.map((c) => parts[c]!.ndcgPerTarget),
        Float64Array,
      ),
      clusters: Int32Array.from(only.flatMap((c) => [...clusters.get(view)![c]!])),
    };
  };
  const rowOf = (entry: Entry, view: View): PooledRow | undefined => {
    const parts = scores.get(`${entry.name}/${view}`);
    if (!parts) return undefined;
    const users = parts.reduce((s, p) => s + p.row.users, 0);
    const weighted = (key: 'hr@10' | 'map@10' | 'recall@10') =>
      users === 0 ? 0 : parts.reduce((s, p) => s + p.row[key] * p.row.users, 0) / users;
    const mine = pooled(entry.name, view);
    const isShipped = entry.name === shipped;
    const against = entry.versus ?? shipped;
    return {
      name: entry.name,
      view,
      k: cutoffOf(view),
      'ndcg@10': mean(mine.ndcg),
      'hr@10': weighted('hr@10'),
      'map@10': weighted('map@10'),
      'recall@10': weighted('recall@10'),
      coverage: parts.reduce((s, p) => s + p.row.coverage, 0) / parts.length,
      users,
      vsShipped: isShipped
        ? null
        : clusteredPairedBootstrap(mine.ndcg, pooled(against, view).ndcg, mine.clusters, options.bootstrap),
      perCutoff: parts.map((p) => p.row['ndcg@10']),
      ...(entry.versus ? { versus: entry.versus } : {}),
    };
  };
  const models: PooledRow[] = [];
  const ablation: PooledRow[] = [];
  for (const view of views)
    for (const entry of entries) {
      const row = rowOf(entry, view);
      if (row) (entry.ablation ? ablation : models).push(row);
    }
  const margins: ViewMargin[] = [];
  for (const scope of ['all', 'unseen'] as const) {
    const only = scope === 'all' ? all : unseen;
    if (only.length === 0) continue;
    for (const view of views) {
      const own = pooled(shipped, view, only);
      let best: { name: string; ndcg: Float64Array } | undefined;
      for (const entry of entries) {
        if (entry.name === shipped || entry.ablation || !scores.has(`${entry.name}/${view}`)) continue;
        const other = pooled(entry.name, view, only);
        if (!best || mean(other.ndcg) > mean(best.ndcg)) best = { name: entry.name, ndcg: other.ndcg };
      }
      if (!best) continue;
      margins.push({
        view,
        scope,
        shippedNdcg: mean(own.ndcg),
        bestOther: best.name,
        bestOtherNdcg: mean(best.ndcg),
        relative: mean(own.ndcg) / mean(best.ndcg) - 1,
        difference: clusteredPairedBootstrap(own.ndcg, best.ndcg, own.clusters, options.bootstrap),
      });
    }
  }
  return { cutoffs: cutoffReports, models, ablation, margins, seconds: seconds(started) };
}

/** The first day of each month from `first` to `last` (YYYY-MM), as epoch ms. */
export function monthlyCutoffs(first: string, last: string): number[] {
  const out: number[] = [];
  const [y0, m0] = first.split('-').map(Number) as [number, number];
  const [y1, m1] = last.split('-').map(Number) as [number, number];
  for (let month = y0 * 12 + m0 - 1; month <= y1 * 12 + m1 - 1; month++)
    out.push(Date.UTC(Math.floor(month / 12), month % 12, 1));
  if (out.length === 0 || out.some(Number.isNaN)) throw new Error(`evaluate: bad cut-off months ${first} … ${last}`);
  return out;
}

/** Whether a known view's setting is the one to use in `view` (the cold views use view `all`'s). */
export function tuningViewOf(view: View): KnownView {
  return view === 'new' || view === 'served' ? view : 'all';
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;
const mean = (x: Float64Array) => (x.length === 0 ? 0 : x.reduce((s, v) => s + v, 0) / x.length);
