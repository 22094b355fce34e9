/**
 * A loopback port that was free a moment ago, for a process that must be told its port
 * before it starts (a model container, a test server). The model tools and the test support
 * both use this one.
 */
import { createServer } from 'node:net';

/** Asks the system for a free port on 127.0.0.1, then lets it go. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
