/**
 * One test period of the report: every model fitted with its tuned parameters on the data
 * before the cut-off, scored in every view on what came after, each compared with the
 * shipped model by a paired bootstrap, and the shipped model's margin over the best other
 * model per view.
 */
import type { Purchase } from '../../data/purchases.ts';
import { evaluatedModels, fitModel, type ModelName, type ShippableModel } from '../training/candidates.ts';
import { type BootstrapOptions, type PairedInterval, pairedBootstrap } from './bootstrap.ts';
import { type EvaluationRow, evaluateRecommender, type View, views } from './evaluate-recommender.ts';
import { type TemporalSplit, type TestPeriodCounts, temporalSplit } from './split.ts';
import type { TuningResult } from './tune.ts';

/** A model's row in one view, with its NDCG@10 difference from the shipped model (null for the shipped one). */
export interface TestPeriodRow extends EvaluationRow {
  /** NDCG@10 of this model minus the shipped model's, on the same customers, with its interval. */
  vsShipped: PairedInterval | null;
}

/** The shipped model against the best other model in one view. */
export interface ViewMargin {
  view: View;
  shippedNdcg: number;
  /** The other model with the highest NDCG@10 in this view. */
  bestOther: string;
  bestOtherNdcg: number;
  /** shipped ÷ best other − 1. */
  relative: number;
  /** Shipped minus best other, with its interval. */
  difference: PairedInterval;
}

/** Everything the report holds about one test period. */
export interface TestPeriodReport {
  trainBefore: string;
  testFrom: string;
  testThrough: string;
  trainItems: number;
  customers: Record<View, number>;
  counts: TestPeriodCounts;
  models: TestPeriodRow[];
  margins: ViewMargin[];
  /** Seconds each model took to fit on this test period's training data (scoring not included). */
  fitSeconds: Record<string, number>;
  /** Seconds to fit every model and score every view. */
  seconds: number;
}

/** Models with something of their own to say in a view (the others would repeat a row). */
export function modelsIn(view: View): readonly ModelName[] {
  // buy-again: every past item is excluded in `new`, and it is plain popularity to a stranger.
  return view === 'all' ? evaluatedModels : evaluatedModels.filter((m) => m !== 'buy-again');
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Fits, scores and compares every model on the test period [cutoff, end). */
export function evaluateTestPeriod(
  purchases: readonly Purchase[],
  cutoff: number,
  end: number,
  tuned: Pick<TuningResult, 'params' | 'ials' | 'shipped'>,
  bootstrap: BootstrapOptions,
): TestPeriodReport {
  const started = performance.now();
  const split: TemporalSplit = temporalSplit(purchases, cutoff, end);
  const scored = new Map<string, { row: EvaluationRow; ndcgPerTarget: Float64Array }>();
  const fitSeconds: Record<string, number> = {};
  for (const name of evaluatedModels) {
    const fitStarted = performance.now();
    const model =
      name === 'ials'
        ? fitModel(split.train, name, tuned.params.ease, tuned.ials)
        : fitModel(split.train, name, tuned.params[name]);
    // Item-item models build their matrix in fitModel; the rest of their cost is scoring.
    fitSeconds[name] = Math.round((performance.now() - fitStarted) / 100) / 10;
    for (const view of views)
      if (modelsIn(view).includes(name)) scored.set(`${name}/${view}`, evaluateRecommender(model, split, view));
  }
  const models: TestPeriodRow[] = [];
  const margins: ViewMargin[] = [];
  for (const view of views) {
    const shipped = scored.get(`${tuned.shipped satisfies ShippableModel}/${view}`)!;
    let best: { row: EvaluationRow; ndcgPerTarget: Float64Array } | undefined;
    for (const name of modelsIn(view)) {
      const own = scored.get(`${name}/${view}`)!;
      const isShipped = name === tuned.shipped;
      models.push({
        ...own.row,
        vsShipped: isShipped ? null : pairedBootstrap(own.ndcgPerTarget, shipped.ndcgPerTarget, bootstrap),
      });
      if (!isShipped && (!best || own.row['ndcg@10'] > best.row['ndcg@10'])) best = own;
    }
    margins.push({
      view,
      shippedNdcg: shipped.row['ndcg@10'],
      bestOther: best!.row.name,
      bestOtherNdcg: best!.row['ndcg@10'],
      relative: shipped.row['ndcg@10'] / best!.row['ndcg@10'] - 1,
      difference: pairedBootstrap(shipped.ndcgPerTarget, best!.ndcgPerTarget, bootstrap),
    });
  }
  return {
    trainBefore: day(cutoff),
    testFrom: day(cutoff),
    testThrough: day(end - 1),
    trainItems: split.train.itemIds.length,
    customers: {
      all: split.targetsAll.length,
      new: split.targetsNew.length,
      cold: split.targetsCold.length,
      'cold-context': split.targetsColdContext.length,
    },
    counts: split.counts,
    models,
    margins,
    fitSeconds,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
