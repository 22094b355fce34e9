/**
 * Child-process entry: "the cloud" on loopback — the real inference container
 * (model/container/app.ts with the trained artifact) when it exists, else a scripted
 * container answering real catalog ids — behind the local SageMaker runtime.
 * Prints one ready line: {"ready":true,"runtimeUrl",…}. Env LOCAL_SAGEMAKER_ACCESS_KEY_ID /
 * LOCAL_SAGEMAKER_SECRET_ACCESS_KEY choose the key pair (the leakage test uses a fresh one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startLocalRuntime } from './local-sagemaker.ts';

/** What the cloud process announces. */
export interface CloudInfo {
  ready: true;
  runtimeUrl: string;
  containerUrl: string;
  container: 'real' | 'scripted';
  modelVersion: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  endpointName: string;
}

const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function realContainer(): Promise<{ url: string; modelVersion: string } | undefined> {
  const modelDir = root('model/artifacts/model/');
  if (!existsSync(root('model/container/app.ts')) || !existsSync(`${modelDir}manifest.json`)) return undefined;
  const { createInferenceServer } = await import('../../model/container/app.ts');
  const { server, ready } = createInferenceServer({ modelDir });
  const url = await listen(server);
  await ready;
  const manifest = JSON.parse(readFileSync(`${modelDir}manifest.json`, 'utf8')) as { modelVersion: string };
  return { url, modelVersion: manifest.modelVersion };
}

async function scriptedContainer(): Promise<{ url: string; modelVersion: string }> {
  const { products } = JSON.parse(readFileSync(root('data/catalog.json'), 'utf8')) as {
    products: Array<{ id: string }>;
  };
  const ids = products.slice(0, 200).map((p) => p.id);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/ping') return void res.end('ok');
      // Rotate the answer per call so shoppers do not all see one list.
      const start = Math.floor(Math.random() * 150);
      const body = {
        recommendations: ids.slice(start, start + 24).map((itemId, i) => ({ itemId, score: 1 - i / 100 })),
        modelVersion: 'bench-scripted-1',
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  return { url: await listen(server), modelVersion: 'bench-scripted-1' };
}

const real = await realContainer();
const container = real ?? (await scriptedContainer());
const env = process.env;
const runtime = await startLocalRuntime({
  variants: [{ name: 'AllTraffic', url: container.url, weight: 1 }],
  ...(env.LOCAL_SAGEMAKER_ACCESS_KEY_ID ? { accessKeyId: env.LOCAL_SAGEMAKER_ACCESS_KEY_ID } : {}),
  ...(env.LOCAL_SAGEMAKER_SECRET_ACCESS_KEY ? { secretAccessKey: env.LOCAL_SAGEMAKER_SECRET_ACCESS_KEY } : {}),
});
const info: CloudInfo = {
  ready: true,
  runtimeUrl: runtime.url,
  containerUrl: container.url,
  container: real ? 'real' : 'scripted',
  modelVersion: container.modelVersion,
  credentials: runtime.credentials,
  region: runtime.region,
  endpointName: runtime.endpointName,
};
process.stdout.write(`${JSON.stringify(info)}\n`);
const stop = (): void => {
  void runtime.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
