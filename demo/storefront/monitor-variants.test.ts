import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { readMonitorFigures } from './monitor.ts';
import { monitorPage } from './pages.ts';

test('the monitor shows each production variant’s model answers and its share', async () => {
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
    const page = monitorPage(
      {
        proxyUrl: 'http://127.0.0.1:1',
        customer: null,
        shopperToken: null,
        customers: [],
        categories: [],
        cartCount: 0,
        weather: 'normal',
        debug: false,
      },
      figures,
    );
    assert.match(page, /<td>ease-buy-again-all-1a2b3c4d<\/td><td>10<\/td><td>10\.0 %<\/td>/);
  } finally {
    proxy.close();
  }
});
