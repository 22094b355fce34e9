/**
 * The training channel: the CSV that the shop's event export (`npm run events:export`) and the
 * retrain (`model/retrain/training-csv.ts`) write, and the image's training job reads. Its columns
 * are the UCI Online Retail data's, one invoice line a record, so the shop's events are one more
 * part of the same history.
 */

/** The first line of every part. */
export const trainingCsvHeader = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** One invoice line, in the header's order. */
export interface TrainingRecord {
  invoice: string;
  stockCode: string;
  description: string;
  quantity: number;
  /** Epoch milliseconds; written as `YYYY-MM-DD HH:MM:SS` in UTC. */
  time: number;
  unitPrice: number;
  customerId: string;
  country: string;
}

/** A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One record's line, without its newline. */
export function trainingCsvRecord(r: TrainingRecord): string {
  const time = new Date(r.time).toISOString().slice(0, 19).replace('T', ' ');
  return [
    csvField(r.invoice),
    csvField(r.stockCode),
    csvField(r.description),
    r.quantity,
    time,
    r.unitPrice,
    csvField(r.customerId),
    csvField(r.country),
  ].join(',');
}
