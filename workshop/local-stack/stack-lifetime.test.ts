/**
 * A stack's processes end with its launcher, however it ends: here it is killed outright
 * (SIGKILL, no stop handler runs) after `npm run retrain -- --promote` added a challenger
 * container, and nothing of the stack — its four servers, the challenger — is left running.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { projectRoot, type StartedChild, startChild } from '../test-support/child.ts';
import { freeStackPorts } from '../test-support/free-port.ts';
import { worldKey, writeRetrainWorld } from '../test-support/retrain-world.ts';
import { until } from '../test-support/until.ts';
import { stopPromotedContainers } from '../../model/retrain/local-promotion.ts';
import { isRunning, liveStackPid } from './stack-lifetime.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'stack-lifetime-'));
const logDir = join(scratch, 'logs');
let launcher: StartedChild<{ pid: number; pids: Record<string, number>; urls: { sagemaker: string } }> | undefined;

after(async () => {
  // Whatever the outcome, nothing of this test stays behind.
  await launcher?.stop(0);
  stopPromotedContainers(logDir);
  rmSync(scratch, { recursive: true, force: true });
});

test('killing the stack (SIGKILL of npm start) leaves no challenger, and no server, behind', async () => {
  await ensureBuilt();
  const { storefront, proxy, proxyAdmin, sagemaker, container } = await freeStackPorts();
  launcher = await startChild('workshop/test-support/stack-launcher-child.ts', {
    args: [logDir],
    timeoutMs: 120_000,
    env: {
      STOREFRONT_PORT: String(storefront),
      PROXY_PORT: String(proxy),
      RECO_ADMIN_PORT: String(proxyAdmin),
      SAGEMAKER_PORT: String(sagemaker),
      MODEL_CONTAINER_PORT: String(container),
      RECO_EVENTS_DIR: join(scratch, 'events'),
    },
  });
  const stack = launcher.info;
  assert.equal(liveStackPid(logDir), stack.pid, 'the launcher names itself in stack.json');

  const w = writeRetrainWorld(join(scratch, 'world'));
  const { stdout } = await run(
    process.execPath,
    [
      ...['--import', 'tsx', 'model/retrain/retrain-cli.ts', '--history', w.historyDir, '--events', w.eventsFile],
      ...['--serving', w.servingDir, '--versions', w.versionsDir, '--min-customers', '20'],
      ...['--promote', '--runtime-url', stack.urls.sagemaker, '--log-dir', logDir],
    ],
    { cwd: projectRoot, env: { ...process.env, RECO_PSEUDONYM_KEY: worldKey } },
  );
  const challenger = Number(/\(pid (\d+)\)/.exec(stdout)?.[1]);
  assert.ok(isRunning(challenger), `the challenger runs:\n${stdout}`);
  assert.match(stdout, new RegExp(`the challenger stops with the stack \\(launcher pid ${stack.pid}\\)`));

  launcher.process.kill('SIGKILL');
  await launcher.closed;
  const everyone = { ...stack.pids, challenger };
  await until(
    () => Object.entries(everyone).filter(([, pid]) => isRunning(pid)),
    (left) => left.length === 0,
    'every process of the killed stack to end',
    30_000,
  );
  assert.equal(liveStackPid(logDir), undefined, 'a stale stack.json names no live stack');
});
