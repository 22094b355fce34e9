/**
 * Reads the training channel (`contracts/training-channel.ts`): CSV parts, gzip or plain, written by
 * the event export or the retrain. Strict, because what is read is exactly what the model learns: a
 * torn record, a quote left open, a gzip cut short or another header stops the reading with an
 * `InvalidTrainingChannelError` naming the file and the record.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { trainingCsvHeader } from '../../contracts/training-channel.ts';
import type { InvoiceLine } from '../../data/online-retail.ts';

/** A part of the channel that cannot be read as written; the message names the file and the record. */
export class InvalidTrainingChannelError extends Error {
  override readonly name = 'InvalidTrainingChannelError';
}

/**
 * Splits CSV text into records (RFC 4180: quoted fields may hold commas, quotes and newlines);
 * throws on a quote left open at the end, the mark of a file cut mid-record.
 */
export function parseCsv(text: string, source: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new InvalidTrainingChannelError(`${source}: a quoted field is never closed (the file is cut)`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

function readMaybeGzip(file: string): string {
  const bytes = readFileSync(file);
  if (!file.endsWith('.gz')) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw new InvalidTrainingChannelError(`${file}: not a whole gzip file (${(error as Error).message})`);
  }
}

/** Reads the channel's parts strictly: the channel's header, eight fields a record, a date on each. */
export function readTrainingChannel(files: readonly string[]): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  for (const file of files) {
    const records = parseCsv(readMaybeGzip(file), file);
    if (records.length === 0) continue;
    const header = records[0]!.join(',');
    if (header !== trainingCsvHeader)
      throw new InvalidTrainingChannelError(`${file}: header is "${header.slice(0, 80)}", not the export's`);
    records.slice(1).forEach((fields, r) => {
      if (fields.length === 1 && fields[0] === '') return;
      const [invoice = '', stockCode = '', description = '', quantity = '', date = '', price = '', customer = ''] =
        fields;
      const time = Date.parse(`${date.replace(' ', 'T')}Z`);
      if (fields.length !== 8 || !invoice || !stockCode || !Number.isFinite(time) || !(Number(quantity) > 0))
        throw new InvalidTrainingChannelError(`${file}: record ${r + 2} is torn or malformed: ${fields.join(',')}`);
      lines.push({
        invoice,
        stockCode: stockCode.toUpperCase(),
        description,
        quantity: Number(quantity),
        time,
        unitPrice: Number(price),
        customerId: customer,
        country: fields[7] ?? '',
      });
    });
  }
  return lines;
}
