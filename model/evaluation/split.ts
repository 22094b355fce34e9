/**
 * Temporal splits: train on everything strictly before a cut-off, test on what customers
 * bought in [cut-off, end). Known customers are tested in views `all`, `new` and `served`
 * (`all` minus what the proxy excludes); customers first seen after the cut-off are tested as
 * the proxy would serve them, anonymously (views `cold` and `cold-context`). Test lines whose
 * item was never sold in training cannot be recommended by any model; they are counted, not
 * silently dropped.
 */
import type { Purchase } from '../../data/purchases.ts';
import { buildInteractions, type Interactions } from '../recommenders/interactions.ts';

/** One known customer's ground truth after the cut-off, in training item numbers. */
export interface Target {
  user: number;
  /** The customer's id: the unit the pooled bootstrap resamples (one customer recurs across cut-offs). */
  customer: string;
  /** Distinct items bought in the test period (view `all`) … */
  items: number[];
  /** … and what the view excludes from lists: every past item (`new`), the last 30 days' (`served`). */
  history: Set<number>;
}

/** A customer with no purchase before the cut-off: an anonymous shopper to the model. */
export interface ColdTarget {
  customer: string;
  /** Items in view when asked (the first invoice's items in view `cold-context`, none in `cold`). */
  context: number[];
  /** Distinct items to find: the whole period (`cold`), or later invoices minus the context (`cold-context`). */
  items: number[];
}

/** What the test period holds and what of it can be evaluated, in invoice lines. */
export interface TestPeriodCounts {
  /** Purchase lines in the test period. */
  lines: number;
  /** … of customers with no purchase before the cut-off (tested in the cold views). */
  newCustomerLines: number;
  /** … whose item was never sold before the cut-off (no model can recommend it; counted as misses nowhere). */
  unseenItemLines: number;
  /** Distinct (known customer, item) pairs of the period whose item is unseen in training. */
  unseenItemPairs: number;
  /** Distinct (known customer, item) pairs of the period whose item was seen: the view-`all` targets. */
  seenItemPairs: number;
}

/** A train/test split at a cut-off. */
export interface TemporalSplit {
  train: Interactions;
  cutoff: number;
  end: number;
  /** View `all`: every test purchase counts, past items may be recommended. */
  targetsAll: Target[];
  /** View `new`: test purchases of items the customer had not bought before; customers left with none dropped. */
  targetsNew: Target[];
  /**
   * View `served`: what the proxy can show a known customer. It drops the customer's purchases of the
   * last 30 days before the cut-off (`history` holds them here) from targets and lists; customers left
   * with no target are dropped. The proxy also drops the items in view, and evaluation sends none.
   */
  targetsServed: Target[];
  /** View `cold`: new customers, nothing in view: the shelf of a first visit. */
  targetsCold: ColdTarget[];
  /** View `cold-context`: new customers with a later invoice, their first invoice in view. */
  targetsColdContext: ColdTarget[];
  counts: TestPeriodCounts;
}

/** The proxy leaves out what a customer bought in this many days before the request (`server/shelf`). */
export const RECENT_DAYS = 30;

/** Splits purchases at `cutoff` (epoch ms); test purchases run to `end` (exclusive). */
export function temporalSplit(purchases: readonly Purchase[], cutoff: number, end: number): TemporalSplit {
  if (!(cutoff < end)) throw new Error(`split: cut-off must come before the end of the test period`);
  const train = buildInteractions(
    purchases.filter((p) => p.time < cutoff),
    cutoff,
  );
  const counts: TestPeriodCounts = {
    lines: 0,
    newCustomerLines: 0,
    unseenItemLines: 0,
    unseenItemPairs: 0,
    seenItemPairs: 0,
  };
  const bought = new Map<number, Set<number>>();
  const unseen = new Map<number, Set<string>>();
  // New customers: their invoices in time order, each as its known items.
  const newCustomers = new Map<string, Map<string, { time: number; items: Set<number> }>>();
  for (const p of purchases) {
    if (p.time < cutoff || p.time >= end) continue;
    counts.lines++;
    const user = train.userIndex.get(p.customerId);
    const item = train.itemIndex.get(p.stockCode);
    if (item === undefined) counts.unseenItemLines++;
    if (user === undefined) {
      counts.newCustomerLines++;
      let invoices = newCustomers.get(p.customerId);
      if (!invoices) newCustomers.set(p.customerId, (invoices = new Map()));
      let invoice = invoices.get(p.invoice);
      if (!invoice) invoices.set(p.invoice, (invoice = { time: p.time, items: new Set() }));
      invoice.time = Math.min(invoice.time, p.time);
      if (item !== undefined) invoice.items.add(item);
      continue;
    }
    if (item === undefined) {
      let codes = unseen.get(user);
      if (!codes) unseen.set(user, (codes = new Set()));
      codes.add(p.stockCode);
      continue;
    }
    let items = bought.get(user);
    if (!items) bought.set(user, (items = new Set()));
    items.add(item);
  }
  for (const codes of unseen.values()) counts.unseenItemPairs += codes.size;
  const targetsAll: Target[] = [];
  const targetsNew: Target[] = [];
  const targetsServed: Target[] = [];
  for (const [user, items] of [...bought.entries()].sort((a, b) => a[0] - b[0])) {
    counts.seenItemPairs += items.size;
    const customer = train.userIds[user]!;
    const history = new Set(train.userItems.subarray(train.userPtr[user]!, train.userPtr[user + 1]!));
    targetsAll.push({ user, customer, items: [...items], history });
    const fresh = [...items].filter((i) => !history.has(i));
    if (fresh.length > 0) targetsNew.push({ user, customer, items: fresh, history });
    const recent = new Set<number>();
    for (let p = train.userPtr[user]!; p < train.userPtr[user + 1]!; p++)
      if (train.userAgeDays[p]! < RECENT_DAYS) recent.add(train.userItems[p]!);
    const servable = [...items].filter((i) => !recent.has(i));
    if (servable.length > 0) targetsServed.push({ user, customer, items: servable, history: recent });
  }
  const targetsCold: ColdTarget[] = [];
  const targetsColdContext: ColdTarget[] = [];
  for (const customer of [...newCustomers.keys()].sort()) {
    const invoices = [...newCustomers.get(customer)!.entries()]
      .sort((a, b) => a[1].time - b[1].time || (a[0] < b[0] ? -1 : 1))
      .map(([, invoice]) => invoice.items);
    const all = new Set(invoices.flatMap((items) => [...items]));
    if (all.size > 0) targetsCold.push({ customer, context: [], items: [...all] });
    const first = invoices[0]!;
    const later = [...new Set(invoices.slice(1).flatMap((items) => [...items]))].filter((i) => !first.has(i));
    if (first.size > 0 && later.length > 0) targetsColdContext.push({ customer, context: [...first], items: later });
  }
  return { train, cutoff, end, targetsAll, targetsNew, targetsServed, targetsCold, targetsColdContext, counts };
}
