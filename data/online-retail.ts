/**
 * Reads the UCI Online Retail invoice lines shipped in `data/online-retail/`
 * (gzip CSV parts, RFC 4180 quoting) without any dependency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { TrainingRecord } from '../contracts/training-channel.ts';

/** The folder holding the CSV parts and their licence. */
export const onlineRetailDir = fileURLToPath(new URL('./online-retail/', import.meta.url));

/**
 * One raw invoice line, as the retailer recorded it: the training channel's record, whose columns
 * are this data's. Its time is UK local time without a zone, read here as UTC; a line with no
 * customer has an empty `customerId`.
 */
export type InvoiceLine = TrainingRecord;

/** Splits one CSV record; only lines holding a quote pay for the slow path. */
function splitRecord(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** Every invoice line of every part, in the original order. */
export function readInvoiceLines(dir: string = onlineRetailDir): InvoiceLine[] {
  const parts = readdirSync(dir)
    .filter((name) => /^online_retail_part\d+\.csv\.gz$/.test(name))
    .sort();
  if (parts.length === 0) throw new Error(`online-retail: no CSV parts in ${dir}`);
  const lines: InvoiceLine[] = [];
  for (const part of parts) {
    const text = gunzipSync(readFileSync(join(dir, part))).toString('utf8');
    const records = text.split('\n');
    for (let r = 1; r < records.length; r++) {
      const record = records[r];
      if (!record) continue;
      const [
        invoice = '',
        stockCode = '',
        description = '',
        quantity = '',
        date = '',
        unitPrice = '',
        customerId = '',
        country = '',
      ] = splitRecord(record.endsWith('\r') ? record.slice(0, -1) : record);
      lines.push({
        invoice,
        stockCode,
        description: description.trim(),
        quantity: Number(quantity),
        time: Date.parse(`${date.replace(' ', 'T')}Z`),
        unitPrice: Number(unitPrice),
        customerId,
        country,
      });
    }
  }
  return lines;
}
