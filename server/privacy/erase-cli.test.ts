/**
 * `npm run erase` on the folder of a stopped proxy (no Redis, no bucket): it rewrites the folder
 * itself, logs by pseudonym, and a dry run changes nothing; without the pseudonym key or a customer
 * it stops with a usage error naming what is missing. (Beside a running proxy: `erasure.test.ts`.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import { EventLog } from '../events/event-log.ts';
import type { ShelfEvent } from '../events/shelf-event.ts';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import { freePort } from '../../workshop/test-support/free-port.ts';
import { erasureLogName, readErasureLog } from './erasure-log.ts';

const key = 'erase-cli-test-pseudonym-key-0123456789abcdef';
const erased = '3141592653';
const kept = '2718281828';

const purchase = (id: string, userId: string): ShelfEvent =>
  ({ id, type: 'purchase', placement: 'home', itemId: '22423', userId, ts: Date.now() }) as ShelfEvent;

/** The text of every file in `dir` but the erasure log. */
function folderText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory() ? folderText(path) : path.endsWith(erasureLogName) ? '' : readFileSync(path, 'utf8'),
    )
    .join('\n');
}

/** Runs the command with only the variables given (no `RECO_*` of this process). */
async function erase(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RECO_')));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'server/privacy/erase-cli.ts', ...args],
      { encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run erase on a stopped proxy’s folder', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'erase-cli-'));
  const env = { RECO_EVENTS_DIR: dir, RECO_PSEUDONYM_KEY: key };
  before(async () => {
    const log = await EventLog.open(eventLogOptions(dir));
    await log.append([purchase('evt-cli-000000001', erased), purchase('evt-cli-000000002', kept)], undefined, 'server');
    await log.roll();
    await log.append([purchase('evt-cli-000000003', erased)], undefined, 'server');
    await log.close();
  });

  it('stops with a usage error without a customer, or without the pseudonym key', async () => {
    const none = await erase([], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--customer is required/);
    const keyless = await erase(['--customer', erased], { RECO_EVENTS_DIR: dir });
    assert.equal(keyless.code, 2);
    assert.match(keyless.stderr, /RECO_PSEUDONYM_KEY is not set/);
    assert.ok(folderText(dir).includes(erased));
  });

  it('a dry run counts and changes nothing', async () => {
    const run = await erase(['--customer', erased, '--dry-run'], env);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual([report.dryRun, report.removed.segments.lines], [true, 2]);
    assert.equal(readErasureLog(dir).length, 0);
    assert.ok(folderText(dir).includes(erased));
  });

  it('a bucket that does not answer fails the erasure (exit 1, no done record): never taken as done', async () => {
    const own = mkdtempSync(join(tmpdir(), 'erase-cli-'));
    const log = await EventLog.open(eventLogOptions(own));
    await log.append([purchase('evt-cli-000000009', erased)], undefined, 'server');
    await log.close();
    const closed = await freePort();
    const run = await erase(['--customer', erased], {
      RECO_EVENTS_DIR: own,
      RECO_PSEUDONYM_KEY: key,
      RECO_EVENTS_S3_BUCKET: 'reco-erasure-nowhere',
      RECO_EVENTS_S3_ENDPOINT: `http://127.0.0.1:${closed}`,
      AWS_ACCESS_KEY_ID: 'none',
      AWS_SECRET_ACCESS_KEY: 'none',
    });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /BucketErasureError: bucket: .*run the erasure again/);
    const steps = readErasureLog(own).map((r) => r.step);
    assert.deepEqual(steps, ['requested', 'instance'], 'requested and this folder done, the whole not');
  });

  it('rewrites the folder itself and logs the steps by pseudonym', async () => {
    const run = await erase(['--customer', erased], env);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.folder, 'rewritten here');
    assert.deepEqual([report.removed.segments.lines, report.removed.segments.filesRewritten], [2, 2]);
    assert.ok(!run.stdout.includes(erased), 'the report names the pseudonym only');
    const text = folderText(dir);
    assert.ok(!text.includes(erased));
    assert.ok(text.includes(`"userId":"${kept}"`));
    const log = readErasureLog(dir);
    assert.deepEqual(
      log.map((r) => r.step),
      ['requested', 'instance', 'done'],
    );
    assert.ok(log.every((r) => r.pseudonym === pseudonymOf(erased, key)));
    assert.ok(!readFileSync(join(dir, erasureLogName), 'utf8').includes(erased));
  });
});
