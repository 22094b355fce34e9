/**
 * What `npm run monitor` writes as its JSON report (the artifact's figures when it was read, the
 * captured inferences' comparison always) and the lines it prints for the comparison. The summary
 * is for a person reading a terminal or a cron mail.
 */
import type { CaptureMonitorResult } from './capture-monitor.ts';
import type { MonitorReport } from './report.ts';

/** The JSON report. */
export type MonitorOutput = (MonitorReport | Record<never, never>) & {
  captured: CaptureMonitorResult;
  source: Record<string, unknown>;
};

const f4 = (x: number): string => x.toFixed(4);

/** The comparison's lines, each figure saying when it had nothing to go on. */
export function capturedSummary(c: CaptureMonitorResult): string[] {
  const variants = c.capture.variants.length > 0 ? ` (${c.capture.variants.join(', ')})` : '';
  const bad = c.capture.badLines > 0 ? `, ${c.capture.badLines} bad line(s)` : '';
  const lines = [
    `monitor: captured shelves ${c.window.from} … ${c.window.to}: ${c.capture.shelves}${variants} from ` +
      `${c.capture.files} file(s) in ${c.capture.dir}${bad}`,
  ];
  const row = (name: string, text: string): void => void lines.push(`  ${name.padEnd(28)} ${text}`);
  if (!c.baseline) row('baseline', 'none found: statistics written, nothing compared');
  else row('baseline', `${c.baseline.dir} (model ${c.baseline.modelVersion ?? 'unknown'})`);
  if (c.dataQuality) {
    for (const [feature, d] of Object.entries(c.dataQuality.distances)) row(`drift ${feature}`, f4(d));
    for (const u of c.dataQuality.unchecked) row('not checked', u);
  }
  const coverageBaseline = c.coverage?.baseline == null ? '—' : f4(c.coverage.baseline);
  row(
    'coverage',
    c.coverage
      ? `${f4(c.coverage.value)} on ${c.coverage.answers} answers (baseline ${coverageBaseline})`
      : 'too few captured answers',
  );
  row(
    'share of fallbacks',
    c.fallbackShare
      ? `${(c.fallbackShare.share * 100).toFixed(1)} % of ${c.fallbackShare.shelves} shelves (proxy's impressions)`
      : 'no impressions with a source',
  );
  const n = c.liveNdcg;
  row(
    n ? `live NDCG@${n.k}` : 'live NDCG',
    n
      ? `${f4(n.ndcg.mean)} (${f4(n.ndcg.low)} … ${f4(n.ndcg.high)}) on ${n.shoppers} shoppers, ` +
          `${n.withPurchases} of ` +
          `${n.shelves} shelves bought from; over popularity ${f4(n.overPopularity.difference)} ` +
          `(${f4(n.overPopularity.low)} … ${f4(n.overPopularity.high)}); ${n.waiting} waiting, ${n.unjoined} unjoined`
      : 'no captured shelf joined to a later purchase yet',
  );
  const violations = [...(c.dataQuality?.violations ?? []), ...c.modelQualityViolations];
  row('violations', violations.length === 0 ? 'none' : String(violations.length));
  for (const v of violations) lines.push(`    ${v.description}`);
  return lines;
}
