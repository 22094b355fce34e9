/**
 * The gathered purchases as a training channel file: gzip CSV in the export's columns, read back
 * by the image's `train` (model/training/training-job.ts) exactly as the retrain read them — already cleaned,
 * customers already keyed, history already moved — so a cloud job trains on what the gate judged.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Purchase } from '../../data/purchases.ts';
import { trainingCsvHeader, trainingCsvRecord } from '../../contracts/training-channel.ts';

/** Writes `purchases` to `file` (gzip); returns the number of lines written. */
export function writeTrainingCsv(purchases: readonly Purchase[], file: string): number {
  const lines = [trainingCsvHeader];
  for (const p of purchases) lines.push(trainingCsvRecord(p));
  writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
  return purchases.length;
}
