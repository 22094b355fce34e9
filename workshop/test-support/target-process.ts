/**
 * Child-process entry for a server under test, chosen by argv[2]:
 *   proxy         the real proxy (server/proxy.ts), configured from the environment
 *   sdk-limit     a minimal node:http server making the proxy's own SDK call (the practical limit)
 *   bare-express  a bare Express handler answering one fixed JSON body (BENCH_BODY_FILE)
 * BENCH_CLOUD holds the cloud process's ready line. Prints {"ready":true,"url"}.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { nonEmptyText } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';
import { loadConfig } from '../../server/config.ts';
import { startProxy } from '../../server/proxy.ts';
import { createSageMakerEndpoint } from '../../server/shelf/sagemaker-endpoint.ts';
import type { CloudInfo } from './cloud-process.ts';

/** What a target announces. */
export interface TargetInfo {
  ready: true;
  url: string;
  /** The proxy's admin listener (`/metrics`); the other kinds have none. */
  adminUrl?: string;
  pid: number;
}

const kind = process.argv[2];

/** Text that is JSON: the cloud process's ready line. */
const jsonText = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: "must be JSON (the cloud process's ready line)" });
    return z.NEVER;
  }
});
const settings = readEnvironment(
  'target-process',
  { cloud: {} as CloudInfo, bodyFile: '' },
  { BENCH_CLOUD: ['cloud', jsonText], BENCH_BODY_FILE: ['bodyFile', nonEmptyText] },
);
const { cloud } = settings;

function announce(port: number, adminUrl?: string): void {
  const info: TargetInfo = {
    ready: true,
    url: `http://127.0.0.1:${port}`,
    ...(adminUrl ? { adminUrl } : {}),
    pid: process.pid,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

async function startTarget(): Promise<() => Promise<void>> {
  if (kind === 'proxy') {
    const config = loadConfig(process.env, {
      port: 0,
      host: '127.0.0.1',
      adminPort: 0,
      endpointUrl: cloud.runtimeUrl,
      region: cloud.region,
      endpointName: cloud.endpointName,
    });
    const proxy = await startProxy(config, { credentials: cloud.credentials });
    await proxy.ready;
    announce((proxy.server.address() as AddressInfo).port, proxy.adminUrl);
    return () => proxy.close();
  }
  if (kind === 'sdk-limit') {
    // Same client factory, settings and request body as the proxy: only the proxy's own work is missing.
    const endpoint = createSageMakerEndpoint({
      endpointName: cloud.endpointName,
      region: cloud.region,
      endpointUrl: cloud.runtimeUrl,
      credentials: cloud.credentials,
    });
    // The customer comes as the proxy's callers send it: in a JSON body (or, from a GET, the query).
    const server = createServer(async (req, res) => {
      let userId = new URL(req.url ?? '/', 'http://x').searchParams.get('userId') ?? undefined;
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        userId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { userId?: string }).userId;
      }
      const body = { ...(userId ? { userId } : {}), items: [], k: 24, exclude: [], placement: 'home' };
      endpoint.invoke(body, { requestId: randomUUID(), signal: AbortSignal.timeout(2000) }).then(
        (answer) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
        () => res.writeHead(502).end(),
      );
    });
    await endpoint.invoke(
      { items: [], k: 1, exclude: [], placement: 'warm-up' },
      { requestId: 'warm-up', signal: AbortSignal.timeout(2000) },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    announce((server.address() as AddressInfo).port);
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (kind === 'bare-express') {
    const body = JSON.parse(readFileSync(settings.bodyFile, 'utf8')) as unknown;
    const app = express();
    app.get('/v1/recommendations', (_req, res) => {
      res.json(body);
    });
    // The shelf's request: the body read as the proxy reads it, then the same answer.
    app.post('/v1/recommendations', express.json(), express.text(), (_req, res) => {
      res.json(body);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    announce((server.address() as AddressInfo).port);
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  throw new Error(`target-process: unknown kind "${kind}" (proxy | sdk-limit | bare-express)`);
}

const close = await startTarget();
const stop = (): void => {
  void close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
