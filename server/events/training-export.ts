/**
 * Turns stored shelf events into the model's training input: invoice lines in
 * the UCI Online Retail CSV format that `data/online-retail.ts` reads, so new
 * interactions can be appended to the training data as another part.
 * Only events with a customer id (or its pseudonym) count: the model learns from customers.
 * An event's time is when the proxy received it, not the shopper's clock. A session's events count for the
 * customer an `identify` event joined it to, those before the sign-in included (`sessionCustomers`).
 */
import type { CatalogProduct } from '../../data/catalog.ts';
import { pseudonymPrefix } from '../../contracts/pseudonym.ts';
import { trainingCsvHeader, trainingCsvRecord } from '../../contracts/training-channel.ts';
import type { StoredEvent } from './stored-line.ts';

const customerId = new RegExp(`^(\\d{1,10}|${pseudonymPrefix}[A-Za-z0-9_-]{22})$`);

/** The CSV line (without newline) of one event, or undefined when it has no customer. */
export function trainingCsvLine(
  e: StoredEvent,
  catalog: (id: string) => CatalogProduct | undefined,
): string | undefined {
  if (e.type === 'identify' || e.userId === undefined || !customerId.test(e.userId)) return undefined;
  const product = catalog(e.itemId);
  const invoice = `W${(e.requestId ?? e.id).replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}`;
  return trainingCsvRecord({
    invoice,
    stockCode: e.itemId,
    description: (product?.title ?? '').toUpperCase(),
    quantity: 1,
    time: e.receivedAt,
    unitPrice: product?.price.value ?? 0,
    customerId: e.userId,
    country: 'Web',
  });
}

/**
 * CSV lines for the events of the given types. Events of one request form one
 * invoice (a basket), so co-occurrence survives the export.
 */
export async function toTrainingCsv(
  events: readonly StoredEvent[],
  types: ReadonlySet<string>,
  catalog: (id: string) => CatalogProduct | undefined,
): Promise<string> {
  const customers = await sessionCustomers(events);
  const lines = [trainingCsvHeader];
  for (const e of events) {
    const line = types.has(e.type) ? trainingCsvLine(withCustomer(e, customers), catalog) : undefined;
    if (line !== undefined) lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** Who each identified session signed in as (`identify` events: session id → customer id); the latest wins. */
export async function sessionCustomers(
  events: Iterable<StoredEvent> | AsyncIterable<StoredEvent>,
): Promise<Map<string, string>> {
  const customers = new Map<string, string>();
  for await (const e of events)
    if (e.type === 'identify' && e.sessionId !== undefined && e.userId !== undefined)
      customers.set(e.sessionId, e.userId);
  return customers;
}

/** The event as its customer's: an anonymous session's event takes the customer `identify` joined it to. */
export function withCustomer(e: StoredEvent, customers: ReadonlyMap<string, string>): StoredEvent {
  if (e.userId !== undefined || e.sessionId === undefined) return e;
  const userId = customers.get(e.sessionId);
  return userId === undefined ? e : { ...e, userId };
}
