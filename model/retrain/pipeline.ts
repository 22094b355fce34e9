/**
 * The retrain, start to finish, without the command line: gather, split at T − 14 days,
 * train a candidate on what came before, score it beside the serving configuration re-fitted on
 * the same data (gate-window.ts) on what came after, gate, and on pass train on everything into a
 * new versioned folder and package it.
 * The serving artifact is only ever read; a new version is built in a scratch folder and
 * renamed into place whole, so a crash leaves no half-written version behind.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporalSplit } from '../evaluation/split.ts';
import { fitModel, type ModelParams, type ShippableModel } from '../training/candidates.ts';
import { packageModel } from '../training/package.ts';
import { jsonReplacer } from '../training/shipped-config.ts';
import { trainOnPurchases } from '../training/train.ts';
import type { GateRules, GateVerdict, ScoredRow } from './gate.ts';
import { type GateResult, gateCandidate, iso, openTestWindow, reportFileName, type TestWindow } from './gate-window.ts';
import { everyView } from './gate-scoring.ts';
import type { Gathered } from './gather.ts';
import { writeTrainingCsv } from './training-csv.ts';

export { reportFileName } from './gate-window.ts';

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
  /**
   * Also write the gathered purchases as `training/purchases.csv.gz` and those before the cut-off as
   * `training-gate/purchases.csv.gz` (the channels of the cloud's training jobs).
   */
  writeTrainingData?: boolean;
  /** Told the window once it is cut (the cloud roll-out judges the model its gate job trains on it). */
  onWindow?: (window: TestWindow) => void;
}

/** What `retrain-report.json` holds. */
export interface RetrainReport {
  verdict: GateVerdict;
  rows: ScoredRow[];
  window: { trainBefore: string; testFrom: string; testThrough: string; days: number };
  counts: ReturnType<typeof temporalSplit>['counts'];
  data: Omit<Gathered, 'purchases' | 'newestEvent'> & { newestEvent: string };
  /** The serving artifact, and how the gate made it comparable (its configuration re-fitted, or as is). */
  serving: { dir: string; modelVersion: string; trainedAt: string; scored: GateResult['serving'] };
  candidate: { algorithm: string; params: unknown; trainedBeforeItems: number };
  /** The new version, when the gate passed. */
  shipped: { modelVersion: string; dir: string; modelDir: string; archive: string; reused: boolean } | null;
  /** The folder of this report when nothing shipped (`refused-…`, `not-enough-evidence-…`). */
  unshippedDir?: string;
  seconds: number;
}

/** Runs the retrain; throws a `RetrainError` on every planned stop, leaving the serving artifact as it was. */
export function retrain(options: RetrainOptions): RetrainReport {
  const started = performance.now();
  const window = openTestWindow(options);
  options.onWindow?.(window);
  const { serving, gathered, cutoff, split } = window;
  const candidate = everyView('candidate', fitModel(split.train, options.model.name, options.model.params));
  const {
    rows,
    verdict,
    serving: servingScored,
  } = gateCandidate(window, candidate, options.model.params, options.rules);
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
      scored: servingScored,
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
    // `refused-…` or `not-enough-evidence-…`: a scheduler sees which without opening the report.
    const dir = join(options.versionsDir, `${verdict.outcome}-${iso(Date.now()).replace(/[:.]/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    report.seconds = (performance.now() - started) / 1000;
    writeFileSync(join(dir, reportFileName), `${JSON.stringify(report, null, 2)}\n`);
    return { ...report, shipped: null, unshippedDir: dir };
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
    const writeChannels = (into: string): void => {
      for (const [channel, rows] of [
        ['training', purchases],
        ['training-gate', purchases.filter((p) => p.time < cutoff)],
      ] as const) {
        mkdirSync(join(into, channel), { recursive: true });
        writeTrainingCsv(rows, join(into, channel, 'purchases.csv.gz'));
      }
    };
    if (reused && options.writeTrainingData) writeChannels(dir);
    if (!reused) {
      packageModel(join(scratch, 'model'), join(scratch, 'model.tar.gz'));
      if (options.writeTrainingData) writeChannels(scratch);
      writeFileSync(join(scratch, reportFileName), `${JSON.stringify(report, null, 2)}\n`);
      renameSync(scratch, dir);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return report;
}
