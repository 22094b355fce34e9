/**
 * The contract test's HTTP client: every call over one keep-alive socket, as SageMaker's front end
 * calls a container, timed per call. A container that cannot answer within `timeoutMs` is a
 * finding, not a crash.
 */
import http from 'node:http';

/** One answer as the contract test reads it. */
export interface ContainerReply {
  status: number;
  contentType: string | undefined;
  body: string;
  /** The round trip, request written to answer read, in milliseconds. */
  ms: number;
}

/** A client bound to one container. */
export interface ContractClient {
  get(path: string): Promise<ContainerReply>;
  /** `POST /invocations` with a JSON body (or a raw string) and `application/json` unless told. */
  invoke(body: unknown, contentType?: string): Promise<ContainerReply>;
  close(): void;
}

/** A client for the container at `baseUrl` (`http://host:port`), one socket kept alive. */
export function contractClient(baseUrl: string, timeoutMs = 5000): ContractClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(baseUrl);
  function call(method: string, path: string, body?: string, contentType?: string): Promise<ContainerReply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = contentType ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const started = performance.now();
      const req = http.request(new URL(path, base), { method, agent, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
  return {
    get: (path) => call('GET', path),
    invoke: (body, contentType) =>
      call('POST', '/invocations', typeof body === 'string' ? body : JSON.stringify(body), contentType),
    close: () => agent.destroy(),
  };
}
