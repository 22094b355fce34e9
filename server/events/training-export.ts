/**
 * Turns stored shelf events into the model's training input: invoice lines in
 * the UCI Online Retail CSV format that `data/online-retail.ts` reads, so new
 * interactions can be appended to the training data as another part.
 * Only events with a customer id count: the model learns from customers.
 */
import type { CatalogProduct } from '../../data/catalog.ts';
import type { StoredEvent } from './event-log.ts';

/** The header of the training CSV parts. */
export const trainingCsvHeader = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

const csvField = (value: string): string => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const invoiceDate = (ts: number): string => new Date(ts).toISOString().slice(0, 19).replace('T', ' ');

/**
 * CSV lines for the events of the given types. Events of one request form one
 * invoice (a basket), so co-occurrence survives the export.
 */
export function toTrainingCsv(
  events: readonly StoredEvent[],
  types: ReadonlySet<string>,
  catalog: (id: string) => CatalogProduct | undefined,
): string {
  const lines = [trainingCsvHeader];
  for (const e of events) {
    if (!types.has(e.type) || e.userId === undefined || !/^\d{1,10}$/.test(e.userId)) continue;
    const product = catalog(e.itemId);
    const invoice = `W${(e.requestId ?? e.id).replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}`;
    lines.push(
      [
        invoice,
        e.itemId,
        csvField((product?.title ?? '').toUpperCase()),
        '1',
        invoiceDate(e.ts),
        String(product?.price.value ?? 0),
        e.userId,
        'Web',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
