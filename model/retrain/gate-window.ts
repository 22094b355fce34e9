/**
 * What the retrain and `npm run gate` share: gather the purchases, cut them at T − window days (T the
 * newest event), check that the serving model can be compared at all, then score a candidate beside
 * the serving configuration and the comparators on the window's customers and judge it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedModel, readArtifact } from '../container/artifact.ts';
import { type TemporalSplit, temporalSplit } from '../evaluation/split.ts';
import type { ModelParams } from '../training/candidates.ts';
import { type GateRules, type GateVerdict, judge, type ScoredRow } from './gate.ts';
import { type GateModel, gateComparators, scoreForGate } from './gate-scoring.ts';
import { type Gathered, gather } from './gather.ts';
import { RetrainError, retrainExitCodes } from './retrain-error.ts';
import { type ServingAtCutoff, servingAtCutoff } from './serving-at-cutoff.ts';

const DAY_MS = 86_400_000;

/** The report's file name, beside the artifact (or in the refused run's folder). */
export const reportFileName = 'retrain-report.json';

/** Where the purchases come from and how the window is cut. */
export interface WindowOptions {
  historyDir: string;
  /** Exported purchase-event CSVs, or folders of them. */
  eventFiles: readonly string[];
  /** The artifact folder now serving (read only). */
  servingDir: string;
  pseudonymKey?: string | undefined;
  rebaseHistory: boolean;
  /** The event folder whose erasure log names the customers to leave out (`RECO_EVENTS_DIR`). */
  erasureLogDir?: string | undefined;
  /** The test period: the last this many days before the newest event (14). */
  windowDays: number;
}

/** The gathered purchases cut at the window, with the serving model to compare against. */
export interface TestWindow {
  serving: LoadedModel;
  /** The newest event the serving model's retrain learnt from, when a retrain made it. */
  learntUpTo: number | undefined;
  gathered: Gathered;
  cutoff: number;
  end: number;
  split: TemporalSplit;
}

export const iso = (t: number): string => new Date(t).toISOString();

function readServing(dir: string): LoadedModel {
  try {
    return readArtifact(dir);
  } catch (error) {
    throw new RetrainError(
      'servingArtifactUnreadable',
      `the serving artifact ${dir} cannot be read (${(error as Error).message}); nothing was changed — ` +
        'restore it (npm run train, or the last good version) and run again',
    );
  }
}

/** The newest event the serving model learnt from, when a retrain made it (its report sits beside it). */
function servingNewestEvent(servingDir: string): number | undefined {
  const path = join(servingDir, '..', reportFileName);
  if (!existsSync(path)) return undefined;
  const report = JSON.parse(readFileSync(path, 'utf8')) as { data?: { newestEvent?: string } };
  const newest = Date.parse(report.data?.newestEvent ?? '');
  return Number.isFinite(newest) ? newest : undefined;
}

/** The test window of gathered purchases: [T − days, T], T the newest event; train strictly before. */
export function windowCut(gathered: Pick<Gathered, 'newestEvent'>, days: number): { cutoff: number; end: number } {
  return { cutoff: gathered.newestEvent - days * DAY_MS, end: gathered.newestEvent + 1 };
}

/** Gathers and cuts; throws a `RetrainError` on every planned stop. */
export function openTestWindow(options: WindowOptions): TestWindow {
  const serving = readServing(options.servingDir);
  const gathered = gather({
    historyDir: options.historyDir,
    eventFiles: options.eventFiles,
    pseudonymKey: options.pseudonymKey,
    rebaseHistory: options.rebaseHistory,
    erasureLogDir: options.erasureLogDir,
    windowDays: options.windowDays,
  });
  // The same customers under another key look like strangers to the serving model, and a model
  // trained here under that key would know none of the shoppers the proxy names: refuse when most
  // known customers are unknown to it. The history comes first in the gathered list.
  const history = gathered.purchases.slice(0, gathered.history.purchases);
  const customers = [...new Set(history.map((p) => p.customerId))];
  const known = customers.filter((id) => serving.userIndex.has(id)).length;
  if (serving.userIndex.size > 0 && known < 0.5 * Math.min(customers.length, serving.userIndex.size))
    throw new RetrainError(
      'usage',
      `only ${known} of the history's ${customers.length} customers are known to the serving model ` +
        `(${serving.manifest.modelVersion}): RECO_PSEUDONYM_KEY is not the key it was trained with`,
    );
  const learntUpTo = servingNewestEvent(options.servingDir);
  if (learntUpTo !== undefined && gathered.newestEvent <= learntUpTo)
    throw new RetrainError(
      'noNewEvents',
      `no purchase event newer than ${iso(learntUpTo)}, the newest the serving model ` +
        `(${serving.manifest.modelVersion}) learnt from: nothing new to learn`,
    );
  const { cutoff, end } = windowCut(gathered, options.windowDays);
  const split = temporalSplit(gathered.purchases, cutoff, end);
  if (split.targetsAll.length === 0) {
    const c = split.counts;
    throw new RetrainError(
      'nothingToScore',
      `the last ${options.windowDays} days (${iso(cutoff)} … ${iso(gathered.newestEvent)}) hold ${c.lines} ` +
        `purchase lines, none of a known customer buying an item sold before (${c.unseenItemLines} of items ` +
        `never sold before, ${c.newCustomerLines} of new customers): nothing to score either model on, so ` +
        'nothing is shipped; the new items are learnt once they also have history',
    );
  }
  return { serving, learntUpTo, gathered, cutoff, end, split };
}

/** A judged candidate: the rows of every model, the verdict and how the serving model was scored. */
export interface GateResult {
  rows: ScoredRow[];
  verdict: GateVerdict;
  serving: Pick<ServingAtCutoff, 'how' | 'algorithm'>;
}

/**
 * Scores `candidate` beside the serving configuration, buy-again and popularity (fitted on the
 * window's training data with `params`) and judges it.
 */
export function gateCandidate(
  window: Pick<TestWindow, 'serving' | 'learntUpTo' | 'split'>,
  candidate: GateModel,
  params: ModelParams,
  rules: GateRules,
): GateResult {
  const serving = servingAtCutoff(window.serving, window.split, window.learntUpTo);
  const servingModel: GateModel = { name: 'serving', forView: () => serving.recommender };
  const scored = scoreForGate(window.split, [candidate, servingModel, ...gateComparators(window.split, params)]);
  return {
    rows: scored.map((s) => s.row),
    verdict: judge(scored, rules),
    serving: { how: serving.how, algorithm: serving.algorithm },
  };
}

/** The lines every judged run prints before its table: the data, the window, how serving was scored. */
export function windowLines(command: string, window: TestWindow, serving: GateResult['serving']): string[] {
  const { history, events } = window.gathered;
  return [
    `${command}: history ${history.purchases} purchases (${history.from} … ${history.through}` +
      `${history.rebasedDays ? `, moved ${history.rebasedDays} days forward` : ''}); events ${events.purchases} ` +
      `purchases by ${events.customers} customers (${events.from} … ${events.through}), ` +
      `${events.newItems.length} item(s) new to the model`,
    `${command}: test window ${iso(window.cutoff)} … ${iso(window.gathered.newestEvent)}`,
    `${command}: serving ${serving.algorithm}, ${serving.how}`,
  ];
}

/** The exit code of a verdict. */
export const verdictExitCode = (verdict: GateResult['verdict']): number =>
  verdict.outcome === 'passed'
    ? 0
    : verdict.outcome === 'refused'
      ? retrainExitCodes.gateRefused
      : retrainExitCodes.notEnoughEvidence;
