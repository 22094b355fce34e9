/**
 * `npm run build:proxy && npm run start:proxy` from a clone, as the operator guide's table says: with no
 * path variable set, the compiled `dist/server/main.js` finds the repository's catalog, placement rules and
 * widget (the sources' defaults), wherever it is started from; the deployed files set every path
 * themselves (shipped-environment.test.ts). A start that lacks several things names them all at once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { projectRoot } from '../test-support/child.ts';
import { freePort } from '../test-support/free-port.ts';
import {
  ensureProductionBundle,
  type ProductionProxy,
  productionBundle,
  type RunAs,
  startProductionProxy,
} from '../test-support/production-proxy.ts';

/** The operator trying it out: their own user, in a folder of their own (not the repository). */
const self: RunAs = {
  uid: process.getuid?.() ?? -1,
  gid: process.getgid?.() ?? -1,
  name: 'the test user',
  why: 'npm run start:proxy runs as whoever types it',
  command: (program, args) => [program, args],
};

describe('the compiled proxy started from a clone', () => {
  let proxy: ProductionProxy | undefined;
  after(() => proxy?.stop());

  it("serves the repository's catalog, rules and widget with no path variable set, from any folder", async () => {
    ensureBuilt();
    await ensureProductionBundle();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    proxy = await startProductionProxy({
      argv: [process.execPath, productionBundle],
      cwd: mkdtempSync(join(tmpdir(), 'reco-start-proxy-cwd-')),
      env: {
        PATH: process.env.PATH ?? '',
        PROXY_PORT: String(port),
        RECO_ADMIN_PORT: '0',
        RECO_ALLOW_RAW_USER_IDS: 'true',
        // No cloud (a closed loopback port): shelves from the rules, which need the catalog and placements.
        SAGEMAKER_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}`,
        AWS_ACCESS_KEY_ID: 'repository-defaults-test',
        AWS_SECRET_ACCESS_KEY: 'repository-defaults-test',
        // The one path given: the test must not write into the repository's var/events.
        RECO_EVENTS_DIR: join(mkdtempSync(join(tmpdir(), 'reco-start-proxy-events-')), 'events'),
        LOG_LEVEL: 'warn',
      },
      url,
      runAs: self,
    });
    const shelf = await fetch(`${url}/v1/recommendations?placement=home&sessionId=repository-defaults`);
    assert.equal(shelf.status, 200, proxy.output());
    assert.equal(((await shelf.json()) as { items: unknown[] }).items.length, 8);
    const widget = await fetch(`${url}/reco-shelf.js`);
    assert.equal(widget.status, 200, `the widget is found in dist/: ${proxy.output()}`);
    assert.equal(await widget.text(), readFileSync(join(projectRoot, 'dist/reco-shelf.js'), 'utf8'));
  });

  it('names every missing setting and file in one refusal', async () => {
    await ensureProductionBundle();
    const run = spawnSync(process.execPath, [productionBundle], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? '',
        PROXY_PORT: String(await freePort()),
        RECO_ADMIN_PORT: '0',
        RECO_CATALOG_FILE: '/nonexistent/catalog.json',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const fatal = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((line) => line.level === 60);
    assert.ok(fatal, run.stdout + run.stderr);
    for (const named of ['RECO_SHOPPER_TOKEN_SECRET', 'RECO_PSEUDONYM_KEY', 'RECO_CATALOG_FILE: no catalog at']) {
      assert.ok(fatal.msg.includes(named), `${named} in: ${fatal.msg}`);
    }
  });
});
