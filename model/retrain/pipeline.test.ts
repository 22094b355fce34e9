import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { type RetrainWorld, worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { readArtifact } from '../container/artifact.ts';
import { defaultShipped, readShippedConfig } from '../training/shipped-config.ts';
import { buyAgainViews, defaultGateRules, gateViews } from './gate.ts';
import { type RetrainOptions, retrain } from './pipeline.ts';
import { RetrainError, retrainExitCodes } from './retrain-error.ts';

const scratch = mkdtempSync(join(tmpdir(), 'retrain-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let worlds = 0;
const world = (events: Parameters<typeof writeRetrainWorld>[1] = 'fresh'): RetrainWorld =>
  writeRetrainWorld(join(scratch, String(worlds++)), events);

const optionsFor = (w: RetrainWorld, overrides: Partial<RetrainOptions> = {}): RetrainOptions => ({
  historyDir: w.historyDir,
  eventFiles: [w.eventsFile],
  servingDir: w.servingDir,
  versionsDir: w.versionsDir,
  pseudonymKey: worldKey,
  rebaseHistory: true,
  windowDays: 14,
  // The world's window holds a few dozen customers: the minimum is lowered, as `--min-customers` would.
  rules: { ...defaultGateRules, minCustomers: 20 },
  model: (({ name, params }) => ({ name, params }))(readShippedConfig()),
  ...overrides,
});

/** A fingerprint of every file of a folder, to prove the serving artifact was not touched. */
const fingerprint = (dir: string): string => {
  const hash = createHash('sha256');
  // Recursive: training writes Model Monitor's baseline into a baseline/ folder of the artifact.
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort())
    if (statSync(join(dir, name)).isFile()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest('hex');
};

/** Runs the retrain expecting a planned stop; returns its exit code and message. */
const stop = (options: RetrainOptions): { exitCode: number; message: string } => {
  try {
    retrain(options);
  } catch (error) {
    assert.ok(error instanceof RetrainError, `expected a RetrainError, got ${(error as Error).stack}`);
    return { exitCode: error.exitCode, message: error.message };
  }
  assert.fail('expected the retrain to stop');
};

describe('a retrain on fresh purchases', () => {
  const w = world();
  const before = fingerprint(w.servingDir);
  const report = retrain(optionsFor(w));

  test('scores the candidate and the serving artifact on the same customers of the last 14 days', () => {
    for (const view of gateViews) {
      const users = report.rows.filter((r) => r.view === view).map((r) => `${r.name}:${r.users}`);
      const n = report.rows.find((r) => r.view === view)!.users;
      assert.ok(n > 0);
      const buyAgain = buyAgainViews.includes(view) ? [`buy-again:${n}`] : [];
      assert.deepEqual(users, [`candidate:${n}`, `serving:${n}`, ...buyAgain, `popularity:${n}`]);
    }
    const serving = report.rows.find((r) => r.name === 'serving' && r.view === 'all')!;
    // The serving model knows these customers: translated ids, not a cold start.
    assert.ok(
      serving['ndcg@10'] > 2 * report.rows.find((r) => r.name === 'popularity' && r.view === 'all')!['ndcg@10'],
    );
    assert.equal(Date.parse(report.window.testThrough) - Date.parse(report.window.testFrom), 14 * 86_400_000);
    assert.equal(report.data.events.through, '2026-11-21');
    assert.ok(report.data.history.rebasedDays > 5000, 'the 2011 history is moved up to the events');
  });

  test('passes the gate and ships a new versioned folder with the artifact, its archive and the report', () => {
    assert.equal(report.verdict.passed, true);
    const shipped = report.shipped!;
    assert.equal(readArtifact(shipped.modelDir).manifest.modelVersion, shipped.modelVersion);
    assert.ok(gunzipSync(readFileSync(shipped.archive)).includes('manifest.json'));
    const written = JSON.parse(readFileSync(join(shipped.dir, 'retrain-report.json'), 'utf8'));
    assert.equal(written.verdict.passed, true);
    // candidate, serving and popularity in every gated view, buy-again where it is a comparator.
    assert.equal(written.rows.length, 3 * gateViews.length + buyAgainViews.length);
    assert.equal(written.serving.scored.how, 're-fitted at the cut-off');
    assert.deepEqual(
      readdirSync(w.versionsDir).filter((n) => !n.startsWith('.')),
      [shipped.modelVersion],
      'no scratch folder is left behind',
    );
  });

  test('leaves the serving artifact byte for byte as it was', () => {
    assert.equal(fingerprint(w.servingDir), before);
  });

  test('stops with "no new events" when asked again against the version it just shipped', () => {
    const again = stop(optionsFor(w, { servingDir: report.shipped!.modelDir }));
    assert.equal(again.exitCode, retrainExitCodes.noNewEvents);
    assert.match(again.message, /no purchase event newer than/);
  });
});

test('a candidate the gate refuses ships nothing and leaves its report in a refused-* folder', () => {
  const w = world();
  // Popularity's recipe as the candidate: no better than the comparator it must beat.
  const popular = { ...defaultShipped.params, lambda: 1e12, repeatWeight: 0, historyCap: 1 };
  const report = retrain(optionsFor(w, { model: { name: 'ease', params: popular } }));
  assert.equal(report.verdict.outcome, 'refused', JSON.stringify(report.verdict.checks, null, 1));
  assert.equal(report.shipped, null);
  const folders = readdirSync(w.versionsDir);
  assert.equal(folders.length, 1);
  assert.match(folders[0]!, /^refused-/);
  assert.ok(existsSync(join(w.versionsDir, folders[0]!, 'retrain-report.json')));
});

test('too few test customers: not enough evidence, nothing shipped, report in not-enough-evidence-*', () => {
  const w = world();
  const report = retrain(optionsFor(w, { rules: defaultGateRules }));
  assert.equal(report.verdict.outcome, 'not-enough-evidence');
  assert.equal(report.shipped, null);
  const folders = readdirSync(w.versionsDir);
  assert.equal(folders.length, 1);
  assert.match(folders[0]!, /^not-enough-evidence-/);
});

test('products the history never sold are kept from the events (price 0 from the export) and learnt', () => {
  const w = world();
  const lines = readFileSync(w.eventsFile, 'utf8').trimEnd().split('\n');
  const newItem = lines[1]!.split(',');
  newItem[1] = '99999Z';
  newItem[0] = 'Wnew1';
  writeFileSync(w.eventsFile, `${[...lines.slice(0, 2), newItem.join(','), ...lines.slice(2)].join('\n')}\n`);
  // Scored on the window, so the new item has to be bought before it: only training sees it.
  const report = retrain(optionsFor(w));
  assert.deepEqual(report.data.events.newItems, ['99999Z']);
  assert.ok(readArtifact(report.shipped!.modelDir).manifest.itemIds.includes('99999Z'));
});

describe('bad input stops with a clear message and its exit code, the serving model untouched', () => {
  test('no purchase events', () => {
    const w = world('none');
    const before = fingerprint(w.servingDir);
    const { exitCode, message } = stop(optionsFor(w));
    assert.equal(exitCode, retrainExitCodes.noNewEvents);
    assert.match(message, /no purchase events with a customer/);
    assert.equal(fingerprint(w.servingDir), before);
    assert.equal(existsSync(w.versionsDir), false);
  });

  test('events of unknown items only', () => {
    const w = world('unknown-items');
    const { exitCode, message } = stop(optionsFor(w));
    assert.equal(exitCode, retrainExitCodes.nothingToScore);
    assert.match(message, /of items never sold before/);
  });

  test('a corrupt serving artifact', () => {
    const w = world();
    truncateSync(join(w.servingDir, 'item-item.f32'), 10);
    const before = fingerprint(w.servingDir);
    const { exitCode, message } = stop(optionsFor(w));
    assert.equal(exitCode, retrainExitCodes.servingArtifactUnreadable);
    assert.match(message, /serving artifact .* cannot be read .*item-item\.f32 has 10 bytes/);
    assert.equal(fingerprint(w.servingDir), before);
  });

  test('a history part cut short (not whole gzip, or a record cut mid-line)', () => {
    const w = world();
    const part = join(w.historyDir, 'online_retail_part1.csv.gz');
    const whole = readFileSync(part);
    writeFileSync(part, whole.subarray(0, whole.length - 40));
    const cut = stop(optionsFor(w));
    assert.equal(cut.exitCode, retrainExitCodes.tornData);
    assert.match(cut.message, /history: .*unexpected end of file/);
    const text = gunzipSync(whole).toString('utf8');
    writeFileSync(part, gzipSync(text.slice(0, text.lastIndexOf(',2011-') + 3)));
    const torn = stop(optionsFor(w));
    assert.equal(torn.exitCode, retrainExitCodes.tornData);
    assert.match(torn.message, /1 torn record/);
  });

  test('an event CSV cut mid-record, or with an open quote', () => {
    const w = world();
    const text = readFileSync(w.eventsFile, 'utf8');
    writeFileSync(w.eventsFile, text.slice(0, text.length - 30));
    assert.equal(stop(optionsFor(w)).exitCode, retrainExitCodes.tornData);
    writeFileSync(w.eventsFile, `${text}Wx,12345,"CUT TITLE`);
    const open = stop(optionsFor(w));
    assert.equal(open.exitCode, retrainExitCodes.tornData);
    assert.match(open.message, /quoted field is never closed/);
  });

  test('a pseudonym key other than the serving model’s', () => {
    const w = world();
    const { exitCode, message } = stop(optionsFor(w, { pseudonymKey: `${worldKey}-rotated` }));
    assert.equal(exitCode, retrainExitCodes.usage);
    assert.match(message, /RECO_PSEUDONYM_KEY is not the key it was trained with/);
  });

  test('pseudonymised events without the key', () => {
    const { exitCode, message } = stop(optionsFor(world(), { pseudonymKey: undefined }));
    assert.equal(exitCode, retrainExitCodes.usage);
    assert.match(message, /RECO_PSEUDONYM_KEY/);
  });
});
