/**
 * The gathered purchases as a training channel file: gzip CSV in the export's columns, read back
 * by the image's `train` (model/training/training-job.ts) exactly as the retrain read them — already cleaned,
 * customers already keyed, history already moved — so a cloud job trains on what the gate judged.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Purchase } from '../../data/purchases.ts';
import { trainingCsvHeader } from '../../server/events/training-export.ts';

const field = (value: string): string => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const time = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/** Writes `purchases` to `file` (gzip); returns the number of lines written. */
export function writeTrainingCsv(purchases: readonly Purchase[], file: string): number {
  const lines = [trainingCsvHeader];
  for (const p of purchases)
    lines.push(
      [
        p.invoice,
        p.stockCode,
        field(p.description),
        p.quantity,
        time(p.time),
        p.unitPrice,
        p.customerId,
        field(p.country),
      ].join(','),
    );
  writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
  return purchases.length;
}
