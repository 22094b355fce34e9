/**
 * Starts the proxy refuses, as an operator meets them: `server/main.ts` exits 1 before listening,
 * and its fatal log line says why and what to set. Nothing raw leaves by default (no
 * `RECO_PSEUDONYM_KEY` against AWS's endpoint, or with Redis); no `RECO_*` variable is ignored.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../workshop/test-support/child.ts';
import { freePort } from '../workshop/test-support/free-port.ts';

async function startMain(env: Record<string, string>): Promise<{ status: number | null; fatal: string }> {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PROXY_PORT: String(await freePort()),
      RECO_ADMIN_PORT: '0',
      RECO_EVENTS_DIR: join(mkdtempSync(join(tmpdir(), 'reco-raw-ids-')), 'events'),
      RECO_ALLOW_RAW_USER_IDS: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const fatal = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .find((line) => line.level === 60);
  return { status: run.status, fatal: fatal?.msg ?? run.stdout + run.stderr };
}

describe('a proxy without RECO_PSEUDONYM_KEY', { timeout: 60_000 }, () => {
  it("refuses to start against AWS's endpoint, saying raw ids would leave", async () => {
    const run = await startMain({});
    assert.equal(run.status, 1);
    assert.match(run.fatal, /RECO_PSEUDONYM_KEY is unset .*raw customer ids off the premises/);
  });

  it('refuses to start with Redis, saying Redis holds keyed digests only', async () => {
    const run = await startMain({
      SAGEMAKER_ENDPOINT_URL: 'http://127.0.0.1:9',
      RECO_REDIS_URL: 'redis://127.0.0.1:9',
    });
    assert.equal(run.status, 1);
    assert.match(run.fatal, /RECO_REDIS_URL needs RECO_PSEUDONYM_KEY/);
  });
});

describe('a proxy given a RECO_* variable no process reads', { timeout: 60_000 }, () => {
  it('refuses to start, naming it and the closest name that is read', async () => {
    const run = await startMain({
      SAGEMAKER_ENDPOINT_URL: 'http://127.0.0.1:9',
      RECO_EVENTS_FILE: '/tmp/events.jsonl',
    });
    assert.equal(run.status, 1);
    assert.equal(run.fatal, 'config: RECO_EVENTS_FILE: no process reads it; did you mean RECO_EVENTS_DIR?');
  });
});
