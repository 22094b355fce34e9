/**
 * Test support for the retrain: a small shop whose customers each keep to one taste group,
 * written as the retrain reads it — a history folder of gzip CSV parts (2011, raw customer
 * numbers) and an exported purchase-event CSV (2026, pseudonymised as the export does) —
 * plus a serving artifact trained on the history alone with the shipped recipe. Deterministic (seeded).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import type { Purchase } from '../../data/purchases.ts';
import { readShippedConfig } from '../../model/training/shipped-config.ts';
import { seeded } from '../../model/recommenders/seeded-random.ts';
import { trainOnPurchases } from '../../model/training/train.ts';
import { trainingCsvHeader } from '../../contracts/training-channel.ts';

/** The key the world's events and artifact are pseudonymised with (≥ 32 bytes). */
export const worldKey = 'retrain-world-test-key-0123456789abcdef';

/** Where the world was written. */
export interface RetrainWorld {
  historyDir: string;
  eventsFile: string;
  servingDir: string;
  versionsDir: string;
}

const code = (group: number, i: number): string => String(10000 + group * 100 + i);
const csvTime = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/** One history CSV line (the UCI columns). */
function historyLine(p: Purchase): string {
  return [p.invoice, p.stockCode, 'THING', p.quantity, csvTime(p.time), p.unitPrice, p.customerId, 'UK'].join(',');
}

/**
 * Writes the world into `dir`. `events` picks what the shop saw lately: `fresh` (customers keep
 * buying in their group), `unknown-items` (only items nobody sold before), `none` (header only).
 */
export function writeRetrainWorld(dir: string, events: 'fresh' | 'unknown-items' | 'none' = 'fresh'): RetrainWorld {
  const random = seeded(7);
  const groups = 4;
  const itemsPerGroup = 10;
  const customers = 80;
  const historyDir = join(dir, 'history');
  mkdirSync(historyDir, { recursive: true });
  const history: Purchase[] = [];
  const historyStart = Date.parse('2011-01-03T10:00:00Z');
  for (let c = 0; c < customers; c++) {
    const group = c % groups;
    for (let invoice = 0; invoice < 4; invoice++) {
      const time = historyStart + (c * 4 + invoice) * 3_600_000 * 20;
      for (let line = 0; line < 3; line++) {
        history.push({
          invoice: `5${String(c * 10 + invoice).padStart(5, '0')}`,
          stockCode: code(group, Math.floor(random() * itemsPerGroup)),
          description: 'THING',
          quantity: 1,
          time,
          unitPrice: 1.5,
          customerId: String(12000 + c),
          country: 'UK',
        });
      }
    }
  }
  const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
  writeFileSync(
    join(historyDir, 'online_retail_part1.csv.gz'),
    gzipSync(`${header}\n${history.map(historyLine).join('\n')}\n`),
  );

  const eventLines: string[] = [];
  const eventStart = Date.parse('2026-11-01T09:00:00Z');
  if (events !== 'none')
    for (let c = 0; c < customers; c++) {
      const group = c % groups;
      for (let order = 0; order < 2; order++) {
        const time = eventStart + (c * 2 + order) * 3_600_000 * 3;
        const item = events === 'fresh' ? code(group, Math.floor(random() * itemsPerGroup)) : `9${c}${order}00`;
        eventLines.push(
          [`Wo${c}x${order}`, item, 'THING', 1, csvTime(time), 0, pseudonymOf(String(12000 + c), worldKey), 'Web'].join(
            ',',
          ),
        );
      }
    }
  const eventsFile = join(dir, 'purchases.csv');
  writeFileSync(eventsFile, `${[trainingCsvHeader, ...eventLines].join('\n')}\n`);

  // The serving model is the shipped recipe (what `npm run retrain` trains its candidate with), so a
  // retrain of the world compares a recipe with itself: the gate's verdict then rests on the data alone.
  const servingDir = join(dir, 'serving', 'model');
  const { name, params } = readShippedConfig();
  trainOnPurchases(
    history.map((p) => ({ ...p, customerId: pseudonymOf(p.customerId, worldKey) })),
    { out: servingDir, model: { name, params } },
  );
  return { historyDir, eventsFile, servingDir, versionsDir: join(dir, 'versions') };
}
