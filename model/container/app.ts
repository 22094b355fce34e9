/**
 * The inference container's HTTP server, per SageMaker's bring-your-own-container contract:
 * `GET /ping` (200 once the model is loaded, 503 before) and `POST /invocations`.
 * Plain node:http: a call costs well under a millisecond. Bad requests get a 4xx with
 * `{ "error": "…" }`; nothing a client sends can crash the process.
 */
import type { BatchInvocationAnswer, InvocationAnswer } from '../../contracts/invocation.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Logger, pino } from 'pino';
import { readArtifact, type LoadedModel } from './artifact.ts';
import { servedRecommender } from './served-model.ts';
import type { Recommender } from '../recommenders/types.ts';
import { type BatchInvocation, InvalidInvocationError, type Invocation, parseAnyInvocation } from './invocation.ts';

/** Request bodies above this are refused with 413 (a full contract body is < 10 kB). */
export const maxBodyBytes = 64 * 1024;

/** Options of the inference server. */
export interface InferenceServerOptions {
  modelDir: string;
  /** Loads the artifact; tests swap it to hold /ping at 503. Default: read `modelDir` on the next tick. */
  loadModel?: (modelDir: string) => Promise<LoadedModel>;
  /** Where a failed invocation (500) is logged; default: nowhere (tests). */
  logger?: Logger;
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...extra });
  res.end(payload);
}

/** Answers one valid invocation from a loaded model. */
export function answer(model: LoadedModel, recommender: Recommender, request: Invocation): InvocationAnswer {
  const { itemIndex, userIndex, manifest } = model;
  const toIndex = (id: string) => itemIndex.get(id) ?? itemIndex.get(id.toUpperCase());
  const context: number[] = [];
  for (const id of request.items) {
    const i = toIndex(id);
    if (i !== undefined) context.push(i);
  }
  const exclude = new Set<number>();
  for (const id of request.exclude) {
    const i = toIndex(id);
    if (i !== undefined) exclude.add(i);
  }
  const user = request.userId === undefined ? undefined : userIndex.get(request.userId);
  const ranked = recommender.recommend({
    ...(user !== undefined ? { user } : {}),
    ...(context.length > 0 ? { context } : {}),
    k: request.k,
    ...(exclude.size > 0 ? { exclude } : {}),
  });
  return {
    recommendations: ranked.map(({ item, score }) => ({
      itemId: manifest.itemIds[item]!,
      score: Math.round(score * 1e6) / 1e6,
    })),
    modelVersion: manifest.modelVersion,
  };
}

/** Answers a batch body: one scoring pass per shelf, for the batch's shopper, in the shelves' order. */
export function answerBatch(
  model: LoadedModel,
  recommender: Recommender,
  batch: BatchInvocation,
): BatchInvocationAnswer {
  const user = batch.userId === undefined ? {} : { userId: batch.userId };
  return {
    shelves: batch.shelves.map((shelf) => ({
      recommendations: answer(model, recommender, { ...user, ...shelf }).recommendations,
    })),
    modelVersion: model.manifest.modelVersion,
  };
}

/** Creates the server (not listening); `ready` resolves once the model is loaded and rejects if it cannot be. */
export function createInferenceServer(options: InferenceServerOptions): { server: Server; ready: Promise<void> } {
  const logger = options.logger ?? pino({ level: 'silent' });
  let model: LoadedModel | undefined;
  let recommender: Recommender | undefined;
  const load =
    options.loadModel ??
    ((dir: string) => new Promise<LoadedModel>((resolve) => setImmediate(() => resolve(readArtifact(dir)))));
  const ready = load(options.modelDir).then((loaded) => {
    recommender = servedRecommender(loaded.parts, { precomputeUsers: true });
    model = loaded;
  });
  ready.catch(() => {}); // the caller decides what a failed load means; never an unhandled rejection

  function invocations(req: IncomingMessage, res: ServerResponse): void {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      send(res, 415, { error: `content type must be application/json, got "${type || 'none'}"` });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      send(res, 413, { error: `body over ${maxBodyBytes} bytes` }, { connection: 'close' });
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        send(res, 413, { error: `body over ${maxBodyBytes} bytes` }, { connection: 'close' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (size > maxBodyBytes) return;
      if (!model || !recommender) {
        send(res, 503, { error: 'model is not loaded yet' });
        return;
      }
      let invocation: Invocation | BatchInvocation;
      try {
        invocation = parseAnyInvocation(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        if (error instanceof InvalidInvocationError) send(res, 400, { error: `invocations: ${error.message}` });
        else {
          logger.error({ err: error }, 'invocations: the body could not be read');
          send(res, 500, { error: 'invocations: internal error' });
        }
        return;
      }
      try {
        const started = performance.now();
        const result =
          'shelves' in invocation
            ? answerBatch(model, recommender, invocation)
            : answer(model, recommender, invocation);
        // Server-Timing lets a caller (and workshop/bench/) see the model's own share of a round trip.
        send(res, 200, result, { 'server-timing': `model;dur=${(performance.now() - started).toFixed(3)}` });
      } catch (error) {
        logger.error({ err: error }, 'invocations: the model failed to answer');
        send(res, 500, { error: `invocations: ${(error as Error).message}` });
      }
    });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/ping') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, { error: 'ping: use GET' }, { allow: 'GET' });
      if (!model) return send(res, 503, { status: 'loading' });
      return send(res, 200, { status: 'ok', modelVersion: model.manifest.modelVersion });
    }
    if (path === '/invocations') {
      if (req.method !== 'POST') return send(res, 405, { error: 'invocations: use POST' }, { allow: 'POST' });
      return invocations(req, res);
    }
    req.resume();
    send(res, 404, { error: `no route ${req.method} ${path}` });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return { server, ready };
}
