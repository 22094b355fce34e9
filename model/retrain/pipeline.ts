/**
 * The retrain, start to finish, without the command line: gather, split at T − 14 days,
 * train a candidate on what came before, score it and the serving artifact on what came
 * after, gate, and on pass train on everything into a new versioned folder and package it.
 * The serving artifact is only ever read; a new version is built in a scratch folder and
 * renamed into place whole, so a crash leaves no half-written version behind.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedModel, readArtifact } from '../container/artifact.ts';
import { fitModel, type ModelParams, type ShippableModel } from '../training/candidates.ts';
import { evaluateRecommender, type View } from '../evaluation/evaluate-recommender.ts';
import { temporalSplit } from '../evaluation/split.ts';
import { packageModel } from '../training/package.ts';
import type { Recommender } from '../recommenders/types.ts';
import { jsonReplacer } from '../training/shipped-config.ts';
import { trainOnPurchases } from '../training/train.ts';
import { artifactRecommender } from './artifact-recommender.ts';
import { type GateRules, type GateVerdict, judge, type ScoredRow } from './gate.ts';
import { type Gathered, gather } from './gather.ts';
import { RetrainError } from './retrain-error.ts';
import { writeTrainingCsv } from './training-csv.ts';

const DAY_MS = 86_400_000;

/** Everything one retrain needs. */
export interface RetrainOptions {
  historyDir: string;
  /** Exported purchase-event CSVs, or folders of them. */
  eventFiles: readonly string[];
  /** The artifact folder now serving (read only). */
  servingDir: string;
  /** Where versioned folders (`<modelVersion>/model`, `model.tar.gz`, `retrain-report.json`) are made. */
  versionsDir: string;
  pseudonymKey?: string | undefined;
  rebaseHistory: boolean;
  /** The event folder whose erasure log names the customers to leave out (`RECO_EVENTS_DIR`). */
  erasureLogDir?: string | undefined;
  /** The test period: the last this many days before the newest event (14). */
  windowDays: number;
  rules: GateRules;
  model: { name: ShippableModel; params: ModelParams };
  /** Also write the gathered purchases as `training/purchases.csv.gz` (a cloud training job's channel). */
  writeTrainingData?: boolean;
}

/** What `retrain-report.json` holds. */
export interface RetrainReport {
  verdict: GateVerdict;
  rows: ScoredRow[];
  window: { trainBefore: string; testFrom: string; testThrough: string; days: number };
  counts: ReturnType<typeof temporalSplit>['counts'];
  data: Omit<Gathered, 'purchases' | 'newestEvent'> & { newestEvent: string };
  serving: { dir: string; modelVersion: string; trainedAt: string };
  candidate: { algorithm: string; params: unknown; trainedBeforeItems: number };
  /** The new version, when the gate passed. */
  shipped: { modelVersion: string; dir: string; modelDir: string; archive: string; reused: boolean } | null;
  seconds: number;
}

/** The report's file name, beside the artifact (or in the refused run's folder). */
export const reportFileName = 'retrain-report.json';

const iso = (t: number): string => new Date(t).toISOString();

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
  const report = JSON.parse(readFileSync(path, 'utf8')) as Partial<RetrainReport>;
  const newest = Date.parse(report.data?.newestEvent ?? '');
  return Number.isFinite(newest) ? newest : undefined;
}

/** Runs the retrain; throws a `RetrainError` on every planned stop, leaving the serving artifact as it was. */
export function retrain(options: RetrainOptions): RetrainReport {
  const started = performance.now();
  const serving = readServing(options.servingDir);
  const gathered = gather({
    historyDir: options.historyDir,
    eventFiles: options.eventFiles,
    pseudonymKey: options.pseudonymKey,
    rebaseHistory: options.rebaseHistory,
    erasureLogDir: options.erasureLogDir,
    windowDays: options.windowDays,
  });
  // The same customers under another key look like strangers to the serving model, which would then
  // score badly and wave any candidate through: refuse when most known customers are unknown to it.
  // The history comes first in the gathered list, keyed here (events were keyed by the export).
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

  const end = gathered.newestEvent + 1;
  const cutoff = gathered.newestEvent - options.windowDays * DAY_MS;
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
  const named = (name: string, r: Recommender): Recommender => ({ name, recommend: (q) => r.recommend(q) });
  const models = [
    named('candidate', fitModel(split.train, options.model.name, options.model.params)),
    artifactRecommender(serving, split.train, 'serving'),
    named('popularity', fitModel(split.train, 'popularity', options.model.params)),
  ];
  const rows: ScoredRow[] = [];
  for (const view of ['all', 'new'] as View[])
    for (const model of models) {
      const {
        name,
        view: v,
        'ndcg@10': ndcg,
        'hr@10': hr,
        coverage,
        users,
      } = evaluateRecommender(model, split, view).row;
      rows.push({ name, view: v, 'ndcg@10': ndcg, 'hr@10': hr, coverage, users });
    }
  const verdict = judge(rows, options.rules);
  const { purchases, newestEvent, ...summary } = gathered;
  const report: RetrainReport = {
    verdict,
    rows,
    window: {
      trainBefore: iso(cutoff),
      testFrom: iso(cutoff),
      testThrough: iso(newestEvent),
      days: options.windowDays,
    },
    counts: split.counts,
    data: { ...summary, newestEvent: iso(newestEvent) },
    serving: {
      dir: options.servingDir,
      modelVersion: serving.manifest.modelVersion,
      trainedAt: serving.manifest.trainedAt,
    },
    candidate: {
      algorithm: options.model.name,
      params: JSON.parse(JSON.stringify(options.model.params, jsonReplacer)),
      trainedBeforeItems: split.train.itemIds.length,
    },
    shipped: null,
    seconds: 0,
  };
  mkdirSync(options.versionsDir, { recursive: true });
  if (!verdict.passed) {
    const dir = join(options.versionsDir, `refused-${iso(Date.now()).replace(/[:.]/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    report.seconds = (performance.now() - started) / 1000;
    writeFileSync(join(dir, reportFileName), `${JSON.stringify(report, null, 2)}\n`);
    return { ...report, shipped: null };
  }

  // Built aside, then renamed into place: a version folder is either whole or absent.
  const scratch = join(options.versionsDir, `.building-${process.pid}-${Date.now()}`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    const manifest = trainOnPurchases(purchases, { out: join(scratch, 'model'), model: options.model });
    const dir = join(options.versionsDir, manifest.modelVersion);
    const reused = existsSync(join(dir, 'model', 'manifest.json'));
    report.shipped = {
      modelVersion: manifest.modelVersion,
      dir,
      modelDir: join(dir, 'model'),
      archive: join(dir, 'model.tar.gz'),
      reused,
    };
    report.seconds = (performance.now() - started) / 1000;
    if (reused && options.writeTrainingData && !existsSync(join(dir, 'training', 'purchases.csv.gz'))) {
      mkdirSync(join(dir, 'training'), { recursive: true });
      writeTrainingCsv(purchases, join(dir, 'training', 'purchases.csv.gz'));
    }
    if (!reused) {
      packageModel(join(scratch, 'model'), join(scratch, 'model.tar.gz'));
      if (options.writeTrainingData) {
        mkdirSync(join(scratch, 'training'));
        writeTrainingCsv(purchases, join(scratch, 'training', 'purchases.csv.gz'));
      }
      writeFileSync(join(scratch, reportFileName), `${JSON.stringify(report, null, 2)}\n`);
      renameSync(scratch, dir);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return report;
}
