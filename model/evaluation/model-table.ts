/**
 * The README's model tables, rendered from the evaluation report alone, so the table a
 * reader sees is the JSON `npm run evaluate` wrote (a test fails when the two disagree).
 */
import type { ModelParams } from '../training/candidates.ts';
import type { IalsParams } from '../recommenders/ials.ts';
import type { PairedInterval } from './bootstrap.ts';
import { type EvaluationRow, type View, views } from './evaluate-recommender.ts';
import type { TestPeriodReport } from './test-period.ts';

/** What `npm run evaluate` writes to model/artifacts/evaluation.json (as parsed back from JSON). */
export interface EvaluationReport {
  k: number;
  /** The shipped model, and its parameters (what `npm run train` reads). */
  shipped: string;
  shippedBecause: string;
  params: ModelParams;
  paramsByModel: Record<string, ModelParams>;
  ials: IalsParams;
  /** The margin the shipped model should keep over the best other model, per view (0.03 = 3 %). */
  goal: number;
  bootstrap: { resamples: number; seed: number; level: number };
  validation: { trainBefore: string; testFrom: string; testBefore: string; models: EvaluationRow[] };
  testPeriods: (TestPeriodReport & { name: string; designSeen: boolean })[];
  seconds: { tuning: number; total: number };
}

/** The name of the README section the tables are written to. */
export const modelTableSection = 'model-table';

/** A Markdown table with padded columns; `right[c]` right-aligns column c. */
function markdownTable(header: string[], rows: string[][], right: boolean[]): string {
  const width = header.map((h, c) => Math.max(h.length, 3, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (right[c] ? cell.padStart(width[c]!) : cell.padEnd(width[c]!))).join(' | ')} |`;
  const rule = `| ${width.map((w, c) => (right[c] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Prose wrapped at 100 columns, so the README stays readable as plain text. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
const interval = (d: PairedInterval) => `${signed(d.difference)} [${signed(d.low)}, ${signed(d.high)}]`;
const percent = (x: number, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)} %`;
const count = (x: number) => x.toLocaleString('en-US');
const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

/** The tables and counts of one test period. */
function testPeriodSection(report: EvaluationReport, testPeriod: EvaluationReport['testPeriods'][number]): string {
  const level = Math.round(report.bootstrap.level * 100);
  const rows = testPeriod.models.map((row) => {
    const shipped = row.name === report.shipped;
    return [
      shipped ? `**${row.name}**` : row.name,
      row.view,
      shipped ? `**${f4(row['ndcg@10'])}**` : f4(row['ndcg@10']),
      row.vsShipped ? interval(row.vsShipped) : 'shipped',
      f4(row['hr@10']),
      f4(row['map@10']),
      f4(row['recall@10']),
      row.coverage.toFixed(3),
      String(row.users),
    ];
  });
  const c = testPeriod.counts;
  const margins = testPeriod.margins.map((m) => [
    m.view,
    f4(m.shippedNdcg),
    `${m.bestOther} ${f4(m.bestOtherNdcg)}`,
    percent(m.relative),
    interval(m.difference),
    m.view === 'all' || m.view === 'new' ? (m.relative >= report.goal ? 'yes' : 'no') : '(not a goal)',
  ]);
  return [
    `#### ${testPeriod.name}: train before ${testPeriod.trainBefore}, ` +
      `test ${testPeriod.testFrom} to ${testPeriod.testThrough}`,
    '',
    wrap(
      (testPeriod.designSeen
        ? 'The shipped design was settled after looking at this period (see the caveat below): read it as optimistic. '
        : "No parameter was tuned on this period, and the shipped model's design was fixed before it was first run. ") +
        `The test period holds ${count(c.lines)} purchase lines. ${count(c.newCustomerLines)} ` +
        `(${share(c.newCustomerLines, c.lines)}) are from customers new in the period (views cold and cold-context). ` +
        `${count(c.unseenItemLines)} (${share(c.unseenItemLines, c.lines)}) are of items never sold before the ` +
        `cut-off, which no model can recommend; for known customers that is ${count(c.unseenItemPairs)} of ` +
        `${count(c.unseenItemPairs + c.seenItemPairs)} (customer, item) pairs ` +
        `(${share(c.unseenItemPairs, c.unseenItemPairs + c.seenItemPairs)}), left out of the targets. ` +
        `Trained on ${count(testPeriod.trainItems)} items. Fit times: ` +
        `${Object.entries(testPeriod.fitSeconds)
          .map(([name, s]) => `${name} ${s} s`)
          .join(', ')}; fitting and scoring everything took ${testPeriod.seconds} s.`,
    ),
    '',
    markdownTable(
      [
        'model',
        'view',
        `NDCG@${report.k}`,
        `Δ NDCG vs shipped [${level} % CI]`,
        `HR@${report.k}`,
        `MAP@${report.k}`,
        `recall@${report.k}`,
        'coverage',
        'customers',
      ],
      rows,
      [false, false, true, true, true, true, true, true, true],
    ),
    '',
    markdownTable(
      [
        'view',
        'shipped NDCG',
        'best other model',
        'shipped ÷ best − 1',
        `Δ [${level} % CI]`,
        `≥ ${percent(report.goal, 0)}`,
      ],
      margins,
      [false, true, false, true, true, false],
    ),
  ].join('\n');
}

/** A half-life as read back from JSON, where Infinity is the string "Infinity". */
const days = (d: number | string) => (d === 'Infinity' || d === Infinity ? '∞ (frequency only)' : `${d} days`);

/** How each model's parameters read in the table. */
function paramsOf(report: EvaluationReport, name: string): string {
  const p = report.paramsByModel[name];
  if (name === 'ials') {
    const i = report.ials;
    const steps = `${i.iterations} iterations × ${i.cgSteps} CG steps`;
    return `${i.factors} factors, λ = ${i.regularization}, α = ${i.alpha}, ${steps}`;
  }
  if (!p) return '';
  switch (name) {
    case 'buy-again':
      return `half-life ${days(p.halfLifeDays)}`;
    case 'item-knn':
      return `k = ${p.neighbours} neighbours per candidate item`;
    case 'ease':
      return `λ = ${p.lambda}, top ${p.topItems} items`;
    case 'ease+buy-again':
      return (
        `λ = ${p.lambda}, top ${p.topItems} items, buy-again weight ${p.repeatWeight}, ` +
        `half-life ${days(p.blendHalfLifeDays)}`
      );
    default:
      return 'none';
  }
}

/** The whole generated section: parameters, the validation choice, then each test period. */
export function renderModelTable(report: EvaluationReport): string {
  const names = [...new Set(report.validation.models.map((r) => r.name))];
  const ndcgOn = (name: string, view: View) => {
    const row = report.validation.models.find((r) => r.name === name && r.view === view);
    return row ? f4(row['ndcg@10']) : '—';
  };
  const level = Math.round(report.bootstrap.level * 100);
  return [
    `_Generated by \`npm run evaluate\` from \`model/artifacts/evaluation.json\`; do not edit by hand._`,
    '',
    wrap(`**Shipped: \`${report.shipped}\`**, ${report.shippedBecause}.`),
    '',
    `#### Validation: train before ${report.validation.trainBefore}, ` +
      `validate ${report.validation.testFrom} to before ${report.validation.testBefore}`,
    '',
    markdownTable(
      ['model', 'parameters chosen here', ...views.map((view) => `NDCG@${report.k} ${view}`)],
      names.map((name) => [name, paramsOf(report, name), ...views.map((view) => ndcgOn(name, view))]),
      [false, false, ...views.map(() => true)],
    ),
    '',
    ...report.testPeriods.flatMap((testPeriod) => [testPeriodSection(report, testPeriod), '']),
    wrap(
      `Intervals: paired bootstrap over customers, ${count(report.bootstrap.resamples)} resamples, ` +
        `seed ${report.bootstrap.seed}, ${level} % percentile intervals. Δ is the model's NDCG@${report.k} minus ` +
        `the shipped model's on the same customers: an interval below zero means the shipped model is better. ` +
        `\`npm run evaluate\` took ${report.seconds.total} s (tuning ${report.seconds.tuning} s).`,
    ),
  ].join('\n');
}
