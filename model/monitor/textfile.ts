/**
 * The report as Prometheus gauges, in the text format node_exporter's textfile collector
 * reads (`--collector.textfile.directory`). A figure with too little data is left out, never
 * written as NaN; `reco_monitor_figure_ok` says which figures are present, so an alert can
 * tell "fine" from "not measured".
 */
import type { CaptureMonitorResult } from './capture-monitor.ts';
import type { MonitorOutput } from './capture-summary.ts';
import type { DifferenceInterval } from './proportions.ts';
import type { MonitorReport } from './report.ts';

/** Every gauge the monitor writes, with its help text. */
export const monitorGauges = {
  reco_monitor_last_run_timestamp_seconds: 'When npm run monitor last wrote this file',
  reco_monitor_figure_ok: '1 when the figure was computed, 0 when there was too little data',
  reco_monitor_window_events: 'Stored events in the monitoring window',
  reco_monitor_model_age_days: 'Days since the serving artifact was trained',
  reco_monitor_popularity_psi: 'Population stability index of item popularity, recent vs training (10 bins)',
  reco_monitor_popularity_psi_noise_floor: 'The PSI sampling noise alone gives on this many recent pairs',
  reco_monitor_cold_start_shopper_share: 'Share of recent shoppers the model has no history for',
  reco_monitor_unknown_item_share: 'Share of recent events on items the model does not know',
  reco_monitor_replay_ndcg: 'NDCG@10 of the serving artifact replayed on purchases after training, by bound',
  reco_monitor_online_lift_click_through: 'Click-through of the model arm minus the holdout, by bound',
  reco_monitor_online_lift_add_to_cart: 'Add-to-cart rate of the model arm minus the holdout, by bound',
  reco_monitor_captured_shelves: 'Shelves in the data capture of the window',
  reco_monitor_constraint_violations: 'Violations of the baseline, by Model Monitor check type',
  reco_monitor_drift_distance: 'Distance of a feature from its baseline (buckets, Kolmogorov-Smirnov), by feature',
  reco_monitor_coverage: 'Distinct items recommended per catalog item, on the captured answers',
  reco_monitor_fallback_share: 'Share of shelves the rules served, from the proxy impressions (holdout left out)',
  reco_monitor_live_ndcg: 'NDCG of the served shelf against later purchases (ground-truth merge), by bound',
  reco_monitor_live_ndcg_over_popularity: 'Live NDCG minus the popularity shelf on the same shelves, by bound',
  reco_monitor_experiment_verdict:
    'Model arm vs holdout by shopper at the fixed horizon: 1 better, 0 no difference, -1 worse; absent before it',
  reco_monitor_experiment_sample_ratio_p: 'p-value of the arms sizes (shoppers) against the configured holdout share',
} as const;

type GaugeName = keyof typeof monitorGauges;

/** The textfile for a run: the artifact's figures when it was read, the captured comparison always. */
export function renderTextfile(output: MonitorReport | MonitorOutput, now: number): string {
  const report = 'modelAgeDays' in output ? (output as MonitorReport) : undefined;
  const samples = new Map<GaugeName, string[]>();
  const set = (name: GaugeName, value: number, labels = ''): void => {
    // Never NaN or ±Inf in the file: a figure without a finite value is absent.
    if (!Number.isFinite(value)) return;
    const list = samples.get(name) ?? [];
    list.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
    samples.set(name, list);
  };
  const bounds = (name: GaugeName, d: { difference: number; low: number; high: number } | null): void => {
    if (!d) return;
    set(name, d.difference, 'bound="estimate"');
    set(name, d.low, 'bound="low"');
    set(name, d.high, 'bound="high"');
  };
  set('reco_monitor_last_run_timestamp_seconds', now / 1000);
  if ('captured' in output) capturedGauges(output.captured, set, bounds);
  if (report) artifactGauges(report, set, bounds);
  const lines: string[] = [];
  for (const [name, list] of samples) {
    lines.push(`# HELP ${name} ${monitorGauges[name]}`, `# TYPE ${name} gauge`, ...list);
  }
  return `${lines.join('\n')}\n`;
}

type SetGauge = (name: GaugeName, value: number, labels?: string) => void;
type SetBounds = (name: GaugeName, d: { difference: number; low: number; high: number } | null) => void;

function capturedGauges(c: CaptureMonitorResult, set: SetGauge, bounds: SetBounds): void {
  set('reco_monitor_captured_shelves', c.capture.shelves);
  set('reco_monitor_figure_ok', c.baseline ? 1 : 0, 'figure="baseline"');
  set('reco_monitor_figure_ok', c.liveNdcg ? 1 : 0, 'figure="live_ndcg"');
  const checks = ['baseline_drift_check', 'categorical_values_check', 'completeness_check'];
  if (c.dataQuality)
    for (const check of checks)
      set(
        'reco_monitor_constraint_violations',
        c.dataQuality.violations.filter((v) => v.constraint_check_type === check).length,
        `check="${check}"`,
      );
  if (c.baseline) set('reco_monitor_constraint_violations', c.modelQualityViolations.length, 'check="model_quality"');
  for (const [feature, d] of Object.entries(c.dataQuality?.distances ?? {}))
    set('reco_monitor_drift_distance', d, `feature="${feature}"`);
  if (c.coverage) set('reco_monitor_coverage', c.coverage.value);
  if (c.fallbackShare) set('reco_monitor_fallback_share', c.fallbackShare.share);
  if (c.liveNdcg) {
    const { mean, low, high } = c.liveNdcg.ndcg;
    bounds('reco_monitor_live_ndcg', { difference: mean, low, high });
    bounds('reco_monitor_live_ndcg_over_popularity', c.liveNdcg.overPopularity);
  }
}

function artifactGauges(report: MonitorReport, set: SetGauge, bounds: SetBounds): void {
  set('reco_monitor_window_events', report.window.events);
  const figures = {
    model_age: report.modelAgeDays,
    popularity_drift: report.popularityDrift,
    cold_start_shoppers: report.coldStartShoppers,
    unknown_items: report.unknownItems,
    replay_ndcg: report.replayNdcgAt10,
    online_lift: report.onlineLift,
  };
  for (const [figure, value] of Object.entries(figures)) {
    set('reco_monitor_figure_ok', value.status === 'ok' ? 1 : 0, `figure="${figure}"`);
  }
  if (report.modelAgeDays.status === 'ok') set('reco_monitor_model_age_days', report.modelAgeDays.value);
  if (report.popularityDrift.status === 'ok') {
    set('reco_monitor_popularity_psi', report.popularityDrift.psi);
    set('reco_monitor_popularity_psi_noise_floor', report.popularityDrift.noiseFloor);
  }
  if (report.coldStartShoppers.status === 'ok')
    set('reco_monitor_cold_start_shopper_share', report.coldStartShoppers.share);
  if (report.unknownItems.status === 'ok') set('reco_monitor_unknown_item_share', report.unknownItems.share);
  if (report.replayNdcgAt10.status === 'ok') {
    const { mean, low, high } = report.replayNdcgAt10.ndcg;
    bounds('reco_monitor_replay_ndcg', { difference: mean, low, high });
  }
  if (report.onlineLift.status === 'ok') {
    bounds('reco_monitor_online_lift_click_through', report.onlineLift.clickThrough as DifferenceInterval | null);
    bounds('reco_monitor_online_lift_add_to_cart', report.onlineLift.addToCart as DifferenceInterval | null);
  }
  const byShopper = report.shopperExperiment;
  const verdicts = { better: 1, 'no-difference': 0, worse: -1 } as const;
  if (byShopper && byShopper.horizon.verdict !== 'running')
    set('reco_monitor_experiment_verdict', verdicts[byShopper.horizon.verdict]);
  if (byShopper?.sampleRatio) set('reco_monitor_experiment_sample_ratio_p', byShopper.sampleRatio.pValue);
}
