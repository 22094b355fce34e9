/**
 * Model Monitor's job on captured inferences laid out as SageMaker writes them: the local
 * stand-in captures real InvokeEndpoint calls (through the AWS SDK, with InferenceId), the proxy's
 * events sit in a real event store, and `npm run monitor` (the CLI, with no model artifact: any
 * container) compares them with a baseline written by `model/training/baseline.ts`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { EventLog } from '../../server/events/event-log.ts';
import type { ShelfEvent } from '../../server/events/shelf-event.ts';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import { startFakeContainer } from '../../workshop/test-support/fake-container.ts';
import { startLocalRuntime } from '../../workshop/test-support/local-sagemaker.ts';
import { sdkClientFor } from '../../workshop/test-support/sdk-client.ts';
import { dataCaptureWriter } from '../../workshop/local-sagemaker/data-capture.ts';
import { seeded } from '../recommenders/seeded-random.ts';
import { type InferenceRow, inferenceRow, popularityBinsOf, writeBaseline } from '../training/baseline.ts';
import { createCaptureMonitor } from './capture-monitor.ts';

const DAY = 86_400_000;
const scratch = mkdtempSync(join(tmpdir(), 'capture-monitor-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Forty items, item i bought by 40 − i customers in training: items 0.. are the popular head.
const itemIds = Array.from({ length: 40 }, (_, i) => `2${String(i).padStart(4, '0')}`);
const binOf = popularityBinsOf(
  itemIds,
  itemIds.map((_, i) => 40 - i),
);
const head = itemIds.slice(0, 8);
const tail = itemIds.slice(30, 38);

/** Draws items in proportion to their training buyers, from `seed`. */
function byMass(seed: number): () => string {
  const random = seeded(seed);
  const mass = itemIds.map((_, i) => 40 - i);
  const total = mass.reduce((a, b) => a + b, 0);
  return () => {
    let r = random() * total;
    for (let i = 0; i < mass.length; i++) if ((r -= mass[i]!) < 0) return itemIds[i]!;
    return itemIds.at(-1)!;
  };
}

/** The baseline: shoppers look at items in proportion to training mass, the model answers the head. */
function baselineIn(dir: string): void {
  const draw = byMass(7);
  const rows: InferenceRow[] = Array.from({ length: 400 }, () =>
    inferenceRow({ items: [draw()], k: 8, placement: 'product' }, head, binOf),
  );
  writeBaseline(dir, { modelVersion: 'm-baseline', itemIds, binOf, rows });
}

const captureDirOf = () => join(scratch, 'capture');
const eventsDirOf = () => join(scratch, 'events');

describe("npm run monitor on the stand-in's data capture and the proxy's events", () => {
  const captureDir = captureDirOf();
  const eventsDir = eventsDirOf();
  const baselineDir = join(scratch, 'baseline');
  const t0 = Date.now() - 9 * DAY;

  before(async () => {
    baselineIn(baselineDir);
    // The model drifted to the tail; shoppers look at tail items and at products new to the model.
    const container = await startFakeContainer();
    container.answer(() => ({
      body: JSON.stringify({
        recommendations: tail.map((itemId, i) => ({ itemId, score: 8 - i })),
        modelVersion: 'm-2',
      }),
    }));
    const cloud = await startLocalRuntime({
      variants: [{ name: 'AllTraffic', url: container.url, weight: 1 }],
      dataCapture: { dir: captureDir, now: () => new Date(t0) },
    });
    const client = sdkClientFor(cloud);
    const events: ShelfEvent[] = [];
    const purchases: ShelfEvent[] = [];
    try {
      for (let i = 0; i < 120; i++) {
        const requestId = `req-${String(i).padStart(4, '0')}`;
        const context = i % 8 === 1 ? 'NEW01' : tail[i % 8]!;
        await client.send(
          new InvokeEndpointCommand({
            EndpointName: cloud.endpointName,
            ContentType: 'application/json',
            InferenceId: requestId,
            Body: JSON.stringify({ items: [context], k: 8, exclude: [context], placement: 'product' }),
          }),
        );
        const source = i % 4 === 0 ? 'fallback' : 'model';
        const shopper = { sessionId: `session-${i}` };
        for (const itemId of tail)
          events.push({
            id: `imp-${i}-${itemId}`,
            type: 'impression',
            placement: 'product',
            requestId,
            source,
            itemId,
            ...shopper,
            ts: t0,
          });
        // Half the shoppers buy the shelf's first item the next day.
        if (i < 60)
          purchases.push({
            id: `buy-${i}-0000`,
            type: 'purchase',
            placement: 'product',
            itemId: tail[0]!,
            ...shopper,
            ts: t0 + DAY,
          });
      }
    } finally {
      client.destroy();
      await cloud.close();
      await container.close();
    }
    const log = await EventLog.open(eventLogOptions(eventsDir, { retainHours: 24 * 365, now: () => t0 }));
    await log.append(events, t0);
    await log.append(purchases, t0 + DAY);
    await log.close();
  });

  it('finds the capture where SageMaker puts it: <endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl', () => {
    const at = new Date(t0);
    const hour = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours()]
      .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
      .join('/');
    const folder = join(captureDir, 'reco-shelf', 'AllTraffic', hour);
    const files = readdirSync(folder);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /\.jsonl$/);
    const lines = readFileSync(join(folder, files[0]!), 'utf8').trim().split('\n');
    assert.equal(lines.length, 120);
    const record = JSON.parse(lines[0]!);
    assert.deepEqual(Object.keys(record), ['captureData', 'eventMetadata', 'eventVersion']);
    assert.equal(record.eventVersion, '0');
    assert.deepEqual(record.captureData.endpointInput, {
      observedContentType: 'application/json',
      mode: 'INPUT',
      data: JSON.stringify({ items: [tail[0]], k: 8, exclude: [tail[0]], placement: 'product' }),
      encoding: 'JSON',
    });
    assert.equal(record.captureData.endpointOutput.mode, 'OUTPUT');
    assert.equal(record.eventMetadata.inferenceId, 'req-0000');
    assert.equal(record.eventMetadata.inferenceTime, new Date(t0).toISOString());
    assert.match(record.eventMetadata.eventId, /^[0-9a-f-]{36}$/);
  });

  it('writes Model Monitor files: input drift, output drift, new items, fallbacks; and the live NDCG', async () => {
    const out = join(scratch, 'monitor');
    const run = await promisify(execFile)(
      process.execPath,
      [
        ...['--import', 'tsx', 'model/monitor/main.ts'],
        ...['--dir', eventsDir, '--capture-dir', captureDir, '--baseline', baselineDir],
        ...['--model-dir', join(scratch, 'no-artifact'), '--monitor-dir', out, '--days', '14'],
        ...['--out', join(out, 'report.json'), '--textfile', join(out, 'reco_monitor.prom')],
      ],
      { cwd: projectRoot, env: { PATH: process.env.PATH ?? '' } },
    );
    assert.match(run.stdout, /monitor: no artifact/);
    const files = ['statistics.json', 'constraint_violations.json'].flatMap((f) => [
      `data-quality/${f}`,
      `model-quality/${f}`,
    ]);
    for (const f of files) assert.ok(existsSync(join(out, f)), `${relative(scratch, join(out, f))} written`);
    const dataQuality = JSON.parse(readFileSync(join(out, 'data-quality/constraint_violations.json'), 'utf8'));
    const found = dataQuality.violations.map(
      (v: { feature_name: string; constraint_check_type: string }) => `${v.feature_name} ${v.constraint_check_type}`,
    );
    assert.deepEqual(found.sort(), [
      'input.context_item categorical_values_check',
      'input.context_popularity_bin baseline_drift_check',
      'output.popularity_bin_mean baseline_drift_check',
    ]);
    const statistics = JSON.parse(readFileSync(join(out, 'data-quality/statistics.json'), 'utf8'));
    assert.equal(statistics.dataset.item_count, 120);
    const quality = JSON.parse(readFileSync(join(out, 'model-quality/constraint_violations.json'), 'utf8'));
    assert.deepEqual(
      quality.violations.map((v: { metric_name: string }) => v.metric_name),
      ['fallback_share'],
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(report.captured.fallbackShare.share, 0.25);
    // Sixty shoppers bought the first item of the tail shelf they were shown; popularity showed the head.
    assert.equal(report.captured.liveNdcg.shoppers, 60);
    assert.equal(report.captured.liveNdcg.ndcg.mean, 1);
    assert.equal(report.captured.liveNdcg.overPopularity.difference, 1);
    assert.equal(report.captured.liveNdcg.unjoined, 0);
    const gauges = readFileSync(join(out, 'reco_monitor.prom'), 'utf8');
    assert.match(gauges, /reco_monitor_constraint_violations\{check="baseline_drift_check"\} 2/);
    assert.match(gauges, /reco_monitor_fallback_share 0\.25/);
    assert.match(gauges, /reco_monitor_live_ndcg\{bound="estimate"\} 1/);
  });
});

describe('a baseline suggested from a window of capture (a model that wrote none)', () => {
  it('is written in the same shapes, and the same window then breaks none of it', async () => {
    const run = promisify(execFile);
    const suggested = join(scratch, 'suggested');
    const cli = (args: string[]) =>
      run(
        process.execPath,
        [
          ...['--import', 'tsx', 'model/monitor/main.ts', '--dir', eventsDirOf(), '--capture-dir', captureDirOf()],
          ...['--model-dir', join(scratch, 'no-artifact'), '--days', '14', ...args],
        ],
        { cwd: projectRoot, env: { PATH: process.env.PATH ?? '' } },
      );
    const made = await cli(['--suggest-baseline', suggested]);
    assert.match(made.stdout, /baseline of m-2 from 120 captured shelves/);
    for (const f of ['statistics.json', 'constraints.json', 'popularity-bins.json', 'model-quality-constraints.json'])
      assert.ok(existsSync(join(suggested, f)), f);
    const out = join(scratch, 'monitor-suggested');
    await cli([
      '--baseline',
      suggested,
      '--monitor-dir',
      out,
      '--out',
      join(out, 'r.json'),
      '--textfile',
      join(out, 'r.prom'),
    ]);
    const violations = JSON.parse(readFileSync(join(out, 'data-quality/constraint_violations.json'), 'utf8'));
    assert.deepEqual(violations, { violations: [] });
  });
});

describe('the comparison stays quiet when the captures look like the baseline', () => {
  it('has no violations, and says what it could not check', () => {
    const dir = join(scratch, 'quiet');
    baselineIn(join(dir, 'baseline'));
    const now = Date.now();
    // The stand-in's writer, without HTTP: shoppers and answers as at training time.
    const write = dataCaptureWriter({ dir: join(dir, 'capture'), now: () => new Date(now - DAY) });
    const draw = byMass(11);
    for (let i = 0; i < 300; i++) {
      const context = draw();
      write({
        endpointName: 'reco-shelf',
        variantName: 'AllTraffic',
        inferenceId: `r-${i}`,
        input: {
          contentType: 'application/json',
          body: Buffer.from(JSON.stringify({ items: [context], k: 8, placement: 'product' })),
        },
        output: {
          contentType: 'application/json',
          body: Buffer.from(
            JSON.stringify({ recommendations: head.map((itemId) => ({ itemId, score: 1 })), modelVersion: 'm' }),
          ),
        },
      });
    }
    const monitor = createCaptureMonitor({
      captureDir: join(dir, 'capture'),
      endpoint: 'reco-shelf',
      baselineDir: join(dir, 'baseline'),
      outDir: join(dir, 'out'),
      now,
      days: 7,
      horizonDays: 7,
      k: 8,
      modelIdOf: (id) => id,
    });
    const result = monitor.finish();
    assert.equal(result.capture.shelves, 300);
    assert.deepEqual(result.dataQuality?.violations, []);
    assert.deepEqual(result.modelQualityViolations, []);
    assert.equal(result.fallbackShare, null, 'no impressions, no figure');
    assert.equal(result.liveNdcg, null, 'no horizon has ended');
  });
});
