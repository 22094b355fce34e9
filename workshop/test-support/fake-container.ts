/**
 * Test support: a stand-in model container (`GET /ping`, `POST /invocations`) on
 * 127.0.0.1:0 that records what it received and answers what the test tells it to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the container received. */
export interface ReceivedInvocation {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the container answers; defaults: 200, application/json, `{"ok":true}`. */
export interface ContainerAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A running fake container. */
export interface FakeContainer {
  url: string;
  received: ReceivedInvocation[];
  /** Replaces how the container answers the next invocations. */
  answer: (fn: (req: ReceivedInvocation) => ContainerAnswer) => void;
  close(): Promise<void>;
}

/** Starts a fake container; by default it echoes `{"echo": <body>, "name": name}`. */
export async function startFakeContainer(name = 'primary'): Promise<FakeContainer> {
  const received: ReceivedInvocation[] = [];
  let respond = (req: ReceivedInvocation): ContainerAnswer => ({ body: JSON.stringify({ name, echo: req.body }) });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/ping') {
        res.writeHead(200).end();
        return;
      }
      const got: ReceivedInvocation = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(got);
      const answer = respond(got);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (fn) => {
      respond = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
