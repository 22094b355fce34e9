/**
 * A deliberately broken model container, for the contract test's own test: it looks healthy to a
 * shelf (it answers every body with a list and a version) but breaks exactly the rules in
 * `brokenRules`, each in a way a real team's container has or might: `/ping` left at 500, `exclude`
 * ignored, the list ordered worst first, `k` and unknown fields not checked, plain-text errors, and a
 * slow answer. Every other rule it keeps, so the test can tell the contract test names what broke and
 * only that. Listens on 127.0.0.1 only.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The rules (`contract-rules.ts` names) this container breaks. */
export const brokenRules = [
  'ping',
  'exclude honoured',
  'best first',
  'limits: k',
  'unknown fields refused',
  'error shape',
  'latency',
] as const;

/** How long each answer waits: past any p50 target a test sets. */
export const brokenDelayMs = 60;

const catalog = Array.from({ length: 200 }, (_, i) => `BROKEN${i}`);

function refuse(res: import('node:http').ServerResponse, status: number, text: string): void {
  // Broken: a plain-text error, not { "error": "…" }.
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

/** Starts the broken container on a free loopback port. */
export async function startBrokenContainer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/ping') return refuse(res, 500, 'ping not implemented');
      if ((req.headers['content-type'] ?? '').split(';')[0] !== 'application/json') return refuse(res, 415, 'json');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return refuse(res, 400, 'not json');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(res, 400, 'not an object');
      if (Array.isArray(body.shelves)) return refuse(res, 400, 'no batch');
      const { userId, items = [], exclude = [], placement } = body;
      const okId = (id: unknown) => typeof id === 'string' && id.length > 0 && id.length <= 128;
      const okList = (list: unknown, max: number) => Array.isArray(list) && list.length <= max && list.every(okId);
      if (userId !== undefined && !okId(userId)) return refuse(res, 400, 'userId');
      if (!okList(items, 100) || !okList(exclude, 1000)) return refuse(res, 400, 'items or exclude');
      if (placement !== undefined && !(typeof placement === 'string' && /^[a-z0-9-]{1,64}$/.test(placement))) {
        return refuse(res, 400, 'placement');
      }
      // Broken: a field the contract does not name is ignored, not refused.
      // Broken: k is read, never checked (0, 2.5 and "5" are answered).
      const k = Math.max(0, Math.min(100, Math.floor(Number(body.k ?? 24)) || 0));
      // Broken: exclude is ignored, and the list comes worst first.
      const recommendations = catalog.slice(0, k).map((itemId, i) => ({ itemId, score: i / 1000 }));
      const answer = JSON.stringify({ recommendations, modelVersion: 'broken-1' });
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(answer), brokenDelayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
