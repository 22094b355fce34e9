/**
 * Calls a model container's `POST /invocations` (SageMaker's BYOC contract) over a
 * keep-alive agent, and lets the caller abandon the call when its own client leaves.
 */
import http from 'node:http';

/** What the runtime passes through to the container. */
export interface ContainerRequest {
  /** Container base URL, e.g. `http://127.0.0.1:8081`. */
  baseUrl: string;
  body: Buffer;
  contentType: string | undefined;
  accept: string | undefined;
  customAttributes: string | undefined;
  timeoutMs: number;
  /** Aborts the call (the caller's client went away). */
  signal: AbortSignal;
}

/** The container's answer, whatever its status. */
export interface ContainerResponse {
  status: number;
  contentType: string | undefined;
  customAttributes: string | undefined;
  body: Buffer;
}

/** Why a container call produced no answer. */
export type ContainerFailure = 'unreachable' | 'timeout' | 'aborted';

/** Thrown by `callContainer` when there is no answer to relay. */
export class ContainerCallError extends Error {
  constructor(
    readonly reason: ContainerFailure,
    cause?: unknown,
  ) {
    super(`local-sagemaker: container call failed (${reason})`, { cause });
    this.name = 'ContainerCallError';
  }
}

/** A client for containers; `destroy()` closes its pooled sockets. */
export interface ContainerClient {
  call(request: ContainerRequest): Promise<ContainerResponse>;
  destroy(): void;
}

/** Creates a client with one keep-alive agent shared by every variant. */
export function createContainerClient(): ContainerClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  function call(request: ContainerRequest): Promise<ContainerResponse> {
    return new Promise((resolve, reject) => {
      if (request.signal.aborted) {
        reject(new ContainerCallError('aborted'));
        return;
      }
      const headers: Record<string, string | number> = {
        'content-type': request.contentType ?? 'application/octet-stream',
        'content-length': request.body.length,
      };
      if (request.accept !== undefined) headers.accept = request.accept;
      if (request.customAttributes !== undefined) {
        headers['x-amzn-sagemaker-custom-attributes'] = request.customAttributes;
      }
      let failure: ContainerFailure = 'unreachable';
      const req = http.request(`${request.baseUrl}/invocations`, { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          cleanup();
          const attrs = res.headers['x-amzn-sagemaker-custom-attributes'];
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            customAttributes: Array.isArray(attrs) ? attrs.join(',') : attrs,
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', (err) => fail(err));
      });
      const timer = setTimeout(() => {
        failure = 'timeout';
        req.destroy();
      }, request.timeoutMs);
      const onAbort = (): void => {
        failure = 'aborted';
        req.destroy();
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      function cleanup(): void {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', onAbort);
      }
      function fail(err: unknown): void {
        cleanup();
        reject(new ContainerCallError(failure, err));
      }
      req.on('error', fail);
      req.end(request.body);
    });
  }

  return { call, destroy: () => agent.destroy() };
}
