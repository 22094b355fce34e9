/**
 * A real HAProxy (Debian's) in front of proxies under test, on a free loopback port:
 * round robin, health checks on `/readyz` every 200 ms (one failure takes a server out),
 * `X-Forwarded-For` appended, and a retry elsewhere when a connection fails: the
 * balancer a retailer runs, as in deploy/haproxy.cfg. Started with `-db` (foreground)
 * and stopped by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** A running HAProxy. */
export interface HaproxyProcess {
  url: string;
  /** Its output so far (alerts and server state changes). */
  output(): string;
  stop(): Promise<void>;
}

/** How hard the balancer checks: tests want a stopping proxy out fast, a saturation bench wants none out. */
export interface HealthChecks {
  /** Between checks, and the most a check may take (ms); default 200. */
  intervalMs?: number;
  /** Failed checks that take a server out; default 1. */
  fall?: number;
}

/** The configuration for `backends` (ports on 127.0.0.1). */
export function haproxyConfig(port: number, backends: number[], checks: HealthChecks = {}): string {
  return `global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 60s
  retries 2
  option redispatch
  retry-on conn-failure empty-response
frontend shelf
  bind 127.0.0.1:${port}
  option forwardfor
  default_backend proxies
backend proxies
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  timeout check ${checks.intervalMs ?? 200}ms
  default-server inter ${checks.intervalMs ?? 200}ms fall ${checks.fall ?? 1} rise 2
${backends.map((p, i) => `  server p${i} 127.0.0.1:${p} check`).join('\n')}
`;
}

/** Starts HAProxy before `backends` and waits until it answers `/readyz` through one of them. */
export async function startHaproxy(
  backends: number[],
  checks: HealthChecks = {},
  readyWithinMs = 10_000,
): Promise<HaproxyProcess> {
  const port = await freePort();
  return startHaproxyWithConfig(haproxyConfig(port, backends, checks), `http://127.0.0.1:${port}`, readyWithinMs);
}

/**
 * Starts HAProxy with `config` (e.g. deploy/haproxy.cfg with its ports replaced) and waits until
 * `url/readyPath` answers 200 through it.
 */
export async function startHaproxyWithConfig(
  config: string,
  url: string,
  readyWithinMs = 10_000,
  readyPath = '/readyz',
): Promise<HaproxyProcess> {
  const file = join(mkdtempSync(join(tmpdir(), 'haproxy-')), 'haproxy.cfg');
  writeFileSync(file, config);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited:\n${out.slice(-2000)}`);
    const ok = await fetch(`${url}${readyPath}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy not serving within ${readyWithinMs} ms:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(force);
    },
  };
}
