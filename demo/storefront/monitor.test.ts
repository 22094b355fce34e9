import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { monitorFiguresFrom, readMonitorFigures } from './monitor.ts';
import { monitorPage, type PageContext } from './pages.ts';

const ctx: PageContext = {
  proxyUrl: 'http://proxy.test',
  customer: null,
  shopperToken: null,
  sessionId: null,
  customers: [],
  categories: [],
  cartCount: 0,
  weather: 'normal',
  debug: false,
};

const series = (labels: string, value: number) => `reco_shelf_events_total{${labels}} ${value}`;
const metrics = [
  '# TYPE reco_requests_total counter',
  'reco_requests_total{placement="home",source="model",reason="none"} 90',
  'reco_requests_total{placement="home",source="fallback",reason="timeout"} 10',
  'reco_requests_total{placement="home",source="fallback",reason="holdout"} 11',
  '# TYPE reco_shelf_events_total counter',
  series('type="impression",source="model",arm="model",variant="AllTraffic"', 400),
  series('type="click",source="model",arm="model",variant="AllTraffic"', 40),
  series('type="add_to_cart",source="model",arm="model",variant="AllTraffic"', 12),
  series('type="impression",source="fallback",arm="model",variant="none"', 100),
  series('type="click",source="fallback",arm="model",variant="none"', 5),
  series('type="impression",source="fallback",arm="holdout",variant="none"', 200),
  series('type="click",source="fallback",arm="holdout",variant="none"', 8),
  'reco_breaker_state 0',
].join('\n');

describe('the shop monitor', () => {
  it('computes the arms, their intervals and the lift from /metrics', () => {
    const m = monitorFiguresFrom(metrics);
    // Held-out answers are the design, not failures: 10 fallbacks of 100 answers.
    assert.equal(m.fallbackRate, 0.1);
    assert.equal(m.holdoutAnswers, 11);
    const rows = m.experiment.rows.map((r) => [r.arm, r.variant, r.impressions, r.clicks]);
    assert.deepEqual(rows, [
      ['model', null, 500, 45],
      ['model', 'AllTraffic', 400, 40],
      ['model', 'none', 100, 5],
      ['holdout', null, 200, 8],
    ]);
    const lift = m.experiment.lift.clickThrough!;
    assert.ok(Math.abs(lift.difference - (45 / 500 - 8 / 200)) < 1e-12);
    assert.ok(lift.low > 0, 'a 5-point lift on these counts is above zero');
    const modelCtr = m.experiment.rows[0]!.clickThrough!;
    assert.ok(modelCtr.low < 0.09 && modelCtr.high > 0.09);
  });

  it('draws each arm and the lift as an SVG chart with its interval', () => {
    const page = monitorPage(ctx, monitorFiguresFrom(metrics));
    for (const id of ['ctr-chart', 'atc-chart', 'lift-chart']) assert.match(page, new RegExp(`<svg [^>]*id="${id}"`));
    const ctrChart = /<svg [^>]*id="ctr-chart".*?<\/svg>/s.exec(page)![0];
    const rows = [...ctrChart.matchAll(/<g class="row" data-label="([^"]+)">(.*?)<\/g>/gs)];
    assert.deepEqual(
      rows.map((r) => r[1]),
      ['model', 'model · AllTraffic', 'model · none', 'holdout'],
    );
    // Each row: a dot inside its interval bar; a higher rate sits further right.
    const dots = rows.map((r) => {
      const cx = Number(/<circle class="estimate" cx="([\d.]+)"/.exec(r[2]!)![1]);
      const [x1, x2] = /<line class="interval" x1="([\d.]+)" x2="([\d.]+)"/.exec(r[2]!)!.slice(1).map(Number);
      assert.ok(x1! <= cx && cx <= x2!, `${r[1]}: ${x1} ≤ ${cx} ≤ ${x2}`);
      return cx;
    });
    assert.ok(dots[1]! > dots[3]!, 'AllTraffic (10 %) is drawn right of the holdout (4 %)');
    const liftChart = /<svg [^>]*id="lift-chart".*?<\/svg>/s.exec(page)![0];
    assert.match(liftChart, /<line class="zero"/);
    assert.match(page, /id="lift-ctr">\+5\.0 pp \(\+\d\.\d pp … \+\d\.\d pp\)/);
    assert.doesNotMatch(page, /<script>|NaN|Infinity/);
  });

  it('says "no data" rather than drawing a rate it does not have', () => {
    const page = monitorPage(ctx, monitorFiguresFrom(''));
    assert.match(page, /id="lift-ctr">–/);
    assert.match(page, /no data/);
    assert.doesNotMatch(page, /NaN/);
  });
});

describe('the monitor by production variant', () => {
  it('shows each variant’s model answers and its share', async () => {
    const metrics = [
      'reco_upstream_duration_seconds_count{outcome="ok",variant="AllTraffic"} 90',
      'reco_upstream_duration_seconds_count{outcome="ok",variant="ease-buy-again-all-1a2b3c4d"} 10',
      'reco_upstream_duration_seconds_count{outcome="timeout",variant="AllTraffic"} 7',
    ].join('\n');
    const proxy = http.createServer((_req, res) => res.end(`${metrics}\n`));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const figures = await readMonitorFigures(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      assert.deepEqual(figures.byVariant, [
        { variant: 'AllTraffic', answers: 90, share: 0.9 },
        { variant: 'ease-buy-again-all-1a2b3c4d', answers: 10, share: 0.1 },
      ]);
      assert.match(monitorPage(ctx, figures), /<td>ease-buy-again-all-1a2b3c4d<\/td><td>10<\/td><td>10\.0 %<\/td>/);
    } finally {
      proxy.close();
    }
  });
});
