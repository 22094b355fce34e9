/**
 * A forest plot as inline SVG, drawn on the server: one row per figure, a dot at the
 * estimate and a bar across its 95 % interval, on a shared axis. The page's CSP allows no
 * inline script, so the chart is plain markup with presentation attributes.
 */
import { escapeHtml } from './html.ts';

/** One row of the chart; `value` null draws the label and "no data". */
export interface IntervalRow {
  label: string;
  value: number | null;
  low: number | null;
  high: number | null;
}

/** What to draw. */
export interface IntervalChart {
  id: string;
  title: string;
  rows: readonly IntervalRow[];
  /** Formats an axis or row value (e.g. as a percentage). */
  format: (value: number) => string;
  /** Draw a reference line at zero (for differences). */
  zeroLine?: boolean;
}

const labelWidth = 170;
const plotWidth = 360;
const valueWidth = 170;
const rowHeight = 22;
const top = 28;

const fixed = (n: number): string => (Math.round(n * 10) / 10).toString();

/** The axis: zero and every finite bound inside it, widened a little so nothing sits on the edge. */
function axisOf(rows: readonly IntervalRow[], zeroLine: boolean): { min: number; max: number } {
  const values = rows.flatMap((r) => [r.low, r.value, r.high]).filter((v): v is number => Number.isFinite(v));
  let min = Math.min(0, ...values);
  let max = Math.max(zeroLine ? 0 : 0.01, ...values);
  if (max - min < 1e-9) max = min + 0.01;
  const pad = (max - min) * 0.05;
  if (min < 0) min -= pad;
  max += pad;
  return { min, max };
}

/** The chart's SVG markup (escaped: labels are data). */
export function intervalChartSvg(chart: IntervalChart): string {
  const { min, max } = axisOf(chart.rows, chart.zeroLine ?? false);
  const x = (v: number): number => labelWidth + ((v - min) / (max - min)) * plotWidth;
  const height = top + chart.rows.length * rowHeight + 24;
  const width = labelWidth + plotWidth + valueWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeHtml(chart.id)}" class="interval-chart" role="img"` +
      ` width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<text x="0" y="16" font-weight="bold">${escapeHtml(chart.title)}</text>`,
    `<rect x="${labelWidth}" y="${top - 6}" width="${plotWidth}" height="${chart.rows.length * rowHeight + 8}"` +
      ` fill="#fffaf0" stroke="#c9b99a"/>`,
  ];
  const axisY = top + chart.rows.length * rowHeight + 16;
  for (const tick of [min, (min + max) / 2, max]) {
    parts.push(
      `<text x="${fixed(x(tick))}" y="${axisY}" text-anchor="middle" fill="#555">` +
        `${escapeHtml(chart.format(tick))}</text>`,
    );
  }
  if (chart.zeroLine && min <= 0 && max >= 0) {
    parts.push(
      `<line class="zero" x1="${fixed(x(0))}" x2="${fixed(x(0))}"` +
        ` y1="${top - 6}" y2="${top + chart.rows.length * rowHeight + 2}"` +
        ` stroke="#888" stroke-dasharray="3 3"/>`,
    );
  }
  chart.rows.forEach((row, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    parts.push(`<g class="row" data-label="${escapeHtml(row.label)}">`);
    parts.push(`<text x="0" y="${y + 4}">${escapeHtml(row.label)}</text>`);
    if (row.value === null || row.low === null || row.high === null) {
      parts.push(`<text x="${labelWidth + plotWidth + 8}" y="${y + 4}" fill="#777">no data</text>`);
    } else {
      parts.push(
        `<line class="interval" x1="${fixed(x(row.low))}" x2="${fixed(x(row.high))}" y1="${y}" y2="${y}"` +
          ` stroke="#6b4c2a" stroke-width="3"/>`,
        `<circle class="estimate" cx="${fixed(x(row.value))}" cy="${y}" r="4" fill="#b5371f"/>`,
        `<text x="${labelWidth + plotWidth + 8}" y="${y + 4}">${escapeHtml(
          `${chart.format(row.value)} (${chart.format(row.low)} … ${chart.format(row.high)})`,
        )}</text>`,
      );
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}
