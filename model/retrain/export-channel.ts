/**
 * `npm run retrain -- --export-only`: the training channel for a trainer of any language, and a stop.
 * The purchases are gathered exactly as the retrain gathers them (history cleaned by data/README.md's
 * rules, events as exported, customers keyed with RECO_PSEUDONYM_KEY, the history moved up to the
 * events) and written in the channel's format (contracts/training-channel.ts: the UCI columns, gzip):
 *
 *   gate/training/purchases.csv.gz   everything strictly before the test window's cut-off: train the
 *                                    candidate `npm run gate -- --candidate-url` judges on this, or it
 *                                    is graded on purchases it learnt from;
 *   full/training/purchases.csv.gz   everything: train the version you ship on this;
 *   export.json                      the window, the counts, the files and the gate command to run.
 *
 * Already cleaned: re-applying the cleaning rules would drop exactly the products new to the catalog
 * (the export prices them 0), which are what the model must learn.
 */
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { trainingCsvHeader } from '../../contracts/training-channel.ts';
import { iso, windowCut } from './gate-window.ts';
import { gather } from './gather.ts';
import { writeTrainingCsv } from './training-csv.ts';

/** What to export, and where. */
export interface ExportOptions {
  historyDir: string;
  eventFiles: readonly string[];
  pseudonymKey: string;
  rebaseHistory: boolean;
  /** The event folder whose erasure log names the customers to leave out. */
  erasureLogDir?: string | undefined;
  windowDays: number;
  /** The folder to create (it must not exist yet; written aside and renamed into place). */
  outDir: string;
}

/** What `export.json` holds. */
export interface ExportSummary {
  format: { columns: string; gzip: true; customers: 'pseudonyms (contracts/pseudonym.ts)'; cleaned: true };
  window: { cutoff: string; testThrough: string; days: number };
  gate: { file: string; purchases: number };
  full: { file: string; purchases: number };
  /** The event files the channels were cut from, copied into the export (the gate command reads them). */
  eventFiles: string[];
  /** The command that judges a container trained on the gate channel, on the same purchases. */
  gateCommand: string;
}

/** Gathers and writes both channels and the summary; returns the summary. */
export function exportTrainingChannel(options: ExportOptions): ExportSummary {
  const gathered = gather(options);
  const { cutoff } = windowCut(gathered, options.windowDays);
  const before = gathered.purchases.filter((p) => p.time < cutoff);
  const scratch = `${options.outDir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  for (const part of ['gate', 'full']) mkdirSync(join(scratch, part, 'training'), { recursive: true });
  const file = (part: string) => join(part, 'training', 'purchases.csv.gz');
  writeTrainingCsv(before, join(scratch, file('gate')));
  writeTrainingCsv(gathered.purchases, join(scratch, file('full')));
  // The events travel with the export: the retrain's own scratch export is gone when it ends, and the
  // gate must read the very purchases this channel was cut from.
  const eventFiles = options.eventFiles.map((from, n) => {
    const kept = join('events', `${n}-${basename(from)}`);
    cpSync(from, join(scratch, kept), { recursive: true });
    return join(options.outDir, kept);
  });
  const events = eventFiles.map((f) => `--events ${f}`).join(' ');
  const summary: ExportSummary = {
    format: {
      columns: trainingCsvHeader,
      gzip: true,
      customers: 'pseudonyms (contracts/pseudonym.ts)',
      cleaned: true,
    },
    window: { cutoff: iso(cutoff), testThrough: iso(gathered.newestEvent), days: options.windowDays },
    gate: { file: file('gate'), purchases: before.length },
    full: { file: file('full'), purchases: gathered.purchases.length },
    eventFiles,
    gateCommand:
      `npm run gate -- --candidate-url URL --history ${options.historyDir} ${events} ` +
      `--window-days ${options.windowDays}` +
      `${options.rebaseHistory ? '' : ' --keep-history-dates'}`,
  };
  writeFileSync(join(scratch, 'export.json'), `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(scratch, options.outDir);
  return summary;
}
