/**
 * The README's model tables, rendered from the evaluation report alone, so the table a
 * reader sees is the JSON `npm run evaluate` wrote (a test fails when the two disagree).
 */
import type { ModelParams, ModelSpec } from '../training/candidates.ts';
import type { PairedInterval } from './bootstrap.ts';
import { cutoffOf, type EvaluationRow, type KnownView, knownViews, type View, views } from './evaluate-recommender.ts';
import type { PooledRow, RollingReport } from './rolling-evaluation.ts';

/** What `npm run evaluate` writes to model/artifacts/evaluation.json (as parsed back from JSON). */
export interface EvaluationReport {
  /** The shipped model, and its parameters (what `npm run train` reads). */
  shipped: string;
  shippedBecause: string;
  params: ModelParams;
  shippedSpec: ModelSpec;
  blendSpec: ModelSpec;
  /** Each model's setting per known view, chosen on validation. */
  byView: Record<KnownView, Record<string, ModelSpec>>;
  /** The margin the shipped model should keep over the best single baseline, per view (0.03 = 3 %). */
  goal: number;
  bootstrap: { resamples: number; seed: number; level: number };
  validation: { trainBefore: string; testFrom: string; testBefore: string; models: EvaluationRow[] };
  rolling: RollingReport;
  seconds: { tuning: number; total: number };
}

/** The name of the README section the tables are written to. */
export const modelTableSection = 'model-table';

/** The views the +3 % goal is set in. */
export const goalViews: readonly View[] = knownViews;

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

/** A half-life as read back from JSON, where Infinity is the string "Infinity". */
const days = (d: number | string) => (d === 'Infinity' || d === Infinity ? '∞' : `${d} d`);

/** How a model's setting reads in the table. */
export function describeSpec(spec: ModelSpec | undefined): string {
  if (!spec) return '';
  const p = spec.params;
  switch (spec.name) {
    case 'ials': {
      const i = spec.ials!;
      return `${i.factors} factors, λ = ${i.regularization}, α = ${i.alpha}, ${i.iterations} it. × ${i.cgSteps} CG`;
    }
    case 'buy-again':
      return `half-life ${days(p.halfLifeDays)}${p.propensity ? `, propensity^${p.propensity}` : ''}`;
    case 'tifu-knn':
      return `${p.tifuNeighbours} neighbours, α = ${p.tifuAlpha}, half-life ${days(p.halfLifeDays)}`;
    case 'item-knn':
      return `k = ${p.neighbours}`;
    case 'ease':
      return `λ = ${p.lambda}, top ${p.topItems} items`;
    case 'ease+buy-again':
      return (
        `λ = ${p.lambda}, top ${p.topItems}, repeat weight ${p.repeatWeight}, half-life ${days(p.blendHalfLifeDays)}` +
        (p.cycle ? `, cycle weight ${p.cycle}` : '') +
        (p.trend ? `, trend prior ${p.trend}` : '') +
        (p.knnMix ? `, item-kNN mix ${p.knnMix}` : '') +
        (p.repeatShift ? `, per-customer weight slope ${p.repeatShift}` : '') +
        (p.neighbourWeight ? `, nearest customers ${p.neighbourWeight}${p.neighbourOwn ? ' (own items)' : ''}` : '') +
        (p.rerankCandidates
          ? `, re-ranker: top ${p.rerankCandidates} by ${p.rerankTrees} trees of depth ${p.rerankDepth}, ` +
            `rate ${p.rerankRate}`
          : '')
      );
    default:
      return 'none';
  }
}

/** The setting a row of `name` in `view` was scored with. */
function specOf(report: EvaluationReport, name: string, view: View): ModelSpec | undefined {
  if (name === report.shipped) return report.shippedSpec;
  if (name === 'ease+buy-again') return report.blendSpec;
  return report.byView[view === 'new' || view === 'served' ? view : 'all'][name];
}

const ndcgHeader = (view: View) => `NDCG@${cutoffOf(view)}`;

function pooledRows(report: EvaluationReport, rows: readonly PooledRow[]): string[][] {
  return rows.map((row) => {
    const shipped = row.name === report.shipped;
    return [
      shipped ? `**${row.name}**` : row.name,
      row.view,
      shipped ? `**${f4(row['ndcg@10'])}**` : f4(row['ndcg@10']),
      row.vsShipped ? interval(row.vsShipped) : 'shipped',
      f4(row['hr@10']),
      f4(row['recall@10']),
      row.coverage.toFixed(3),
      count(row.users),
      row.perCutoff.map((x) => x.toFixed(3)).join(' '),
    ];
  });
}

/** The whole generated section: validation, the cut-offs, the pooled table, the margins, the ablation. */
export function renderModelTable(report: EvaluationReport): string {
  const level = Math.round(report.bootstrap.level * 100);
  const r = report.rolling;
  const validationRows = report.validation.models.map((row) => [
    row.name,
    row.view,
    describeSpec(specOf(report, row.name, row.view)),
    `${ndcgHeader(row.view)} ${f4(row['ndcg@10'])}`,
  ]);
  const cutoffRows = r.cutoffs.map((c) => [
    `${c.trainBefore} → ${c.testBefore}${c.designSeen ? ' (design seen)' : ''}`,
    count(c.counts.lines),
    share(c.counts.unseenItemLines, c.counts.lines),
    count(c.trainItems),
    ...views.map((v) => count(c.customers[v])),
    `${c.seconds}`,
  ]);
  const pooledHeader = [
    'model',
    'view',
    'NDCG',
    `Δ NDCG vs shipped [${level} % CI]`,
    'HR',
    'recall',
    'coverage',
    'targets',
    'NDCG per cut-off',
  ];
  const right = [false, false, true, true, true, true, true, true, false];
  const margins = r.margins.map((m) => [
    m.scope === 'all' ? 'all six' : 'never looked at',
    m.view,
    `${ndcgHeader(m.view)} ${f4(m.shippedNdcg)}`,
    `${m.bestOther} ${f4(m.bestOtherNdcg)}`,
    percent(m.relative),
    interval(m.difference),
    goalViews.includes(m.view) ? (m.relative >= report.goal && m.difference.low > 0 ? 'yes' : 'no') : '(not a goal)',
  ]);
  return [
    `_Generated by \`npm run evaluate\` from \`model/artifacts/evaluation.json\`; do not edit by hand._`,
    '',
    wrap(`**Shipped: \`${report.shipped}\`** (${describeSpec(report.shippedSpec)}), ${report.shippedBecause}.`),
    '',
    `#### Validation: train before ${report.validation.trainBefore}, ` +
      `validate ${report.validation.testFrom} to before ${report.validation.testBefore}`,
    '',
    wrap(
      'Each baseline is tuned per view on this month alone; the blend gets one setting for every view ' +
        '(one model serves every view). NDCG is at 8 in view served (the placement shows 8 cards), at 10 elsewhere.',
    ),
    '',
    markdownTable(['model', 'view', 'setting chosen here', 'NDCG'], validationRows, [false, false, false, true]),
    '',
    `#### Rolling monthly cut-offs: each trains on everything before it and tests the month after`,
    '',
    wrap(
      'Lines are the test month\'s purchase lines; "unseen" is the share of them whose item was never sold ' +
        'before the cut-off (no model can recommend it; left out of the targets). "design seen": the blend\'s ' +
        'design was settled after looking at data from 2011-10-01 on, so read those months as optimistic. ' +
        '"seconds": what this run spent at the cut-off (scores found in the cache cost nothing).',
    ),
    '',
    markdownTable(
      ['train before → test before', 'lines', 'unseen', 'items', ...views.map((v) => `${v} customers`), 'seconds'],
      cutoffRows,
      [false, true, true, true, ...views.map(() => true), true],
    ),
    '',
    `#### Pooled over the cut-offs`,
    '',
    wrap(
      `NDCG, HR and recall at the view's k (8 in served, 10 elsewhere), averaged over every (cut-off, customer) ` +
        `target; coverage is the mean share of training items shown to anyone. Δ is the row's NDCG minus the ` +
        `shipped model's on the same targets; its interval resamples customers (${count(report.bootstrap.resamples)} ` +
        `resamples, seed ${report.bootstrap.seed}), so a customer tested at six cut-offs is one draw.`,
    ),
    '',
    markdownTable(pooledHeader, pooledRows(report, r.models), right),
    '',
    `#### The shipped model against the best single baseline`,
    '',
    wrap(
      `Goal: at least ${percent(report.goal, 0)} above the best single baseline with the interval's lower ` +
        `bound above zero, in views ${goalViews.join(', ')}. "never looked at" pools only the cut-offs before ` +
        `2011-10-01.`,
    ),
    '',
    markdownTable(
      ['cut-offs', 'view', 'shipped', 'best single baseline', 'shipped ÷ best − 1', `Δ [${level} % CI]`, 'goal met'],
      margins,
      [false, false, true, false, true, true, false],
    ),
    '',
    ...(r.ablation.length > 0
      ? [
          `#### Ablation: the shipped blend without one part`,
          '',
          wrap(
            'Each variant is the shipped blend with one part changed and nothing re-tuned; Δ is the variant ' +
              'minus the shipped blend (a negative Δ: the part helps).' +
              (r.ablation.some((row) => row.versus)
                ? ' With a re-ranker shipped, "blend − re-ranker" is the blend alone against the shipped model ' +
                  '(what the re-ranker bought), and every other variant changes one part of that blend alone ' +
                  'and is compared with it (the re-ranker is not re-trained per variant).'
                : ''),
          ),
          '',
          markdownTable(pooledHeader, pooledRows(report, r.ablation), right),
          '',
        ]
      : []),
    wrap(
      `\`npm run evaluate\` took ${report.seconds.total} s (tuning ${report.seconds.tuning} s, the cut-offs ` +
        `${r.seconds} s); scores already in the cache were not recomputed ("Evaluation" above: from an empty cache).`,
    ),
  ].join('\n');
}
