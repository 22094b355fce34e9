/**
 * The deployment examples in deploy/ stay true: HAProxy accepts its configuration and
 * health-checks /readyz on every proxy; the systemd unit runs the compiled proxy (no
 * tsx) and waits for the drain on stop.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaults } from './config.ts';

const at = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

describe('deployment examples', () => {
  it('deploy/haproxy.cfg is valid for HAProxy and checks /readyz on two proxies', () => {
    const check = spawnSync('haproxy', ['-c', '-f', at('deploy/haproxy.cfg')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    const config = readFileSync(at('deploy/haproxy.cfg'), 'utf8');
    assert.match(config, /option httpchk GET \/readyz/);
    assert.equal([...config.matchAll(/^\s*server \S+ \S+ check/gm)].length, 2);
    const idle = Number(/timeout http-keep-alive (\d+)s/.exec(config)?.[1]) * 1000;
    assert.ok(idle < defaults.keepAliveTimeoutMs, 'the balancer closes idle connections before the proxy does');
  });

  it('deploy/reco-proxy@.service runs the compiled proxy and outlasts the drain on stop', () => {
    const unit = readFileSync(at('deploy/reco-proxy@.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
    assert.match(execStart, /dist\/server\/main\.js$/);
    assert.doesNotMatch(execStart, /tsx/);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
    assert.match(unit, /^User=(?!root)\w+$/m);
    assert.ok(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]) * 1000 > defaults.drainMs + 10_000 - 1);
  });

  it('deploy/reco-proxy@.service: systemd-analyze verify finds nothing to say about an instance of it', {
    skip: spawnSync('systemd-analyze', ['--version']).status !== 0 && 'systemd-analyze is not installed',
  }, () => {
    const instance = join(mkdtempSync(join(tmpdir(), 'reco-unit-')), 'reco-proxy@3001.service');
    copyFileSync(at('deploy/reco-proxy@.service'), instance);
    const verify = spawnSync('systemd-analyze', ['verify', instance], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    // Unknown keys and bad values are only warnings: any output is a finding.
    assert.equal(`${verify.stdout}${verify.stderr}`.trim(), '');
  });
});
