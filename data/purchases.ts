/**
 * Turns raw invoice lines into purchases: the interactions the model trains on
 * and the catalog is built from. Each cleaning rule is named, and every dropped
 * line is counted against the first rule that drops it (see data/README.md).
 */
import { readInvoiceLines, type InvoiceLine } from './online-retail.ts';

/** A cleaned purchase line: a known customer bought a real product. */
export type Purchase = InvoiceLine;

/**
 * Product stock codes are five digits with an optional letter suffix; the rest
 * (POST, DOT, BANK CHARGES, gift_0001_…) are fees and vouchers.
 */
export const productCodePattern = /^\d{5}[A-Za-z]{0,2}$/;

/** The cleaning rules, in the order they are applied. */
export const cleaningRules = [
  { name: 'cancellation', why: 'invoice number starts with C', drops: (l: InvoiceLine) => l.invoice.startsWith('C') },
  {
    name: 'not-a-product',
    why: 'stock code is a fee, postage or voucher',
    drops: (l: InvoiceLine) => !productCodePattern.test(l.stockCode),
  },
  { name: 'no-customer', why: 'CustomerID is missing', drops: (l: InvoiceLine) => l.customerId === '' },
  {
    name: 'non-positive-quantity',
    why: 'Quantity <= 0 (returns, write-offs)',
    drops: (l: InvoiceLine) => !(l.quantity > 0),
  },
  {
    name: 'non-positive-price',
    why: 'UnitPrice <= 0 (adjustments, free items)',
    drops: (l: InvoiceLine) => !(l.unitPrice > 0),
  },
] as const;

/** What the cleaning kept and what each rule dropped. */
export interface CleanedPurchases {
  purchases: Purchase[];
  rawLines: number;
  dropped: Record<(typeof cleaningRules)[number]['name'], number>;
}

/** Stock codes are matched case-insensitively in the data (e.g. 85123a / 85123A). */
function normalise(line: InvoiceLine): Purchase {
  return { ...line, stockCode: line.stockCode.toUpperCase() };
}

/**
 * Cleaned purchases, optionally only those strictly before `until`
 * (an ISO date, `YYYY-MM-DD`), so a model can be trained on the past alone.
 */
export function loadPurchases(options: { until?: string } = {}): CleanedPurchases {
  const lines = readInvoiceLines();
  const untilTime = options.until === undefined ? Infinity : Date.parse(`${options.until}T00:00:00Z`);
  if (Number.isNaN(untilTime)) throw new Error(`purchases: --until must be YYYY-MM-DD, got "${options.until}"`);
  const dropped = Object.fromEntries(cleaningRules.map((rule) => [rule.name, 0])) as CleanedPurchases['dropped'];
  const purchases: Purchase[] = [];
  for (const line of lines) {
    const rule = cleaningRules.find((r) => r.drops(line));
    if (rule) dropped[rule.name]++;
    else if (line.time < untilTime) purchases.push(normalise(line));
  }
  return { purchases, rawLines: lines.length, dropped };
}
