import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ShelfEvent } from './shelf-event.ts';
import { dedupKeyOf, type EventNamespace, parseStoredLine, scanStoredLine, storedLine } from './stored-line.ts';

const receivedAt = 1_764_547_200_123;
const event = (fields: Partial<ShelfEvent> = {}): ShelfEvent => ({
  id: 'evt-0001:a.b_c-d',
  type: 'impression',
  placement: 'home',
  requestId: 'req-1',
  source: 'model',
  itemId: '85123A',
  userId: '17850',
  ts: receivedAt - 40,
  ...fields,
});

/** What the scan read of a line, or undefined: the fields start-up keeps. */
function scan(line: string): { id: string; namespace: EventNamespace; type: string; receivedAt: number } | undefined {
  const bytes = Buffer.from(line);
  const end = bytes[bytes.length - 1] === 10 ? bytes.length - 1 : bytes.length;
  const scanned = scanStoredLine(bytes, 0, end);
  if (!scanned) return undefined;
  return {
    id: bytes.toString('utf8', scanned.idStart, scanned.idEnd),
    namespace: scanned.namespace,
    type: scanned.type,
    receivedAt: scanned.receivedAt,
  };
}

describe('stored line scan', () => {
  it('reads id, type and receivedAt of every line the store writes, as JSON.parse does', () => {
    const events = [
      event(),
      event({ type: 'click', id: 'x'.repeat(64) }),
      event({ type: 'add_to_cart', id: '12345678' }),
      event({ type: 'purchase', variant: 'model-b', modelVersion: 'v7' }),
      // Escaped strings in the fields before receivedAt: quotes, backslashes, a key's text, non-ASCII.
      event({ userId: 'a"b\\c', requestId: '\\",\\"receivedAt\\":1}' }),
      event({ sessionId: 'sess-ü-€-𝄞', userId: undefined, itemId: 'POST' }),
      event({ requestId: ',"receivedAt":4102444800000}', ts: 946_684_800_000 }),
    ];
    for (const e of events) {
      for (const namespace of ['browser', 'server'] as const) {
        const line = storedLine({ ...e, namespace }, receivedAt);
        const parsed = parseStoredLine(line.slice(0, -1));
        assert.ok(parsed, line);
        assert.equal(parsed.namespace ?? 'browser', namespace, line);
        assert.equal(dedupKeyOf(parsed), `${namespace}:${e.id}`);
        const { id, type } = parsed;
        assert.deepEqual(scan(line), { id, namespace, type, receivedAt: parsed.receivedAt }, line);
      }
    }
  });

  it("writes a browser's event as every line before namespaces, and reads such a line as `browser`", () => {
    const before = `${JSON.stringify({ ...event(), receivedAt })}\n`;
    assert.equal(storedLine({ ...event(), namespace: 'browser' }, receivedAt), before);
    assert.equal(scan(before)?.namespace, 'browser');
    assert.equal(dedupKeyOf(parseStoredLine(before.slice(0, -1))!), 'browser:evt-0001:a.b_c-d');
    const server = storedLine({ ...event(), namespace: 'server' }, receivedAt);
    assert.ok(server.startsWith('{"id":"evt-0001:a.b_c-d","namespace":"server","type":"impression",'), server);
  });

  it('passes anything of another shape to JSON.parse (undefined), never a wrong reading', () => {
    const good = storedLine(event(), receivedAt).slice(0, -1);
    const others = [
      // Another key order, spaces, a field after receivedAt, an escaped id, a short or long id.
      JSON.stringify({ type: 'click', id: 'evt-00000001', itemId: '1', ts: 1, receivedAt }),
      good.replace('{"id":', '{ "id":'),
      good.replace(/}$/, ',"arm":"model"}'),
      good.replace('"id":"evt-0001', '"id":"evt\\u002d0001'),
      // A namespace the store does not write, or written elsewhere than after the id.
      good.replace(',"type":', ',"namespace":"servers","type":'),
      good.replace(',"type":', ',"namespace":"browser","type":'),
      good.replace('evt-0001:a.b_c-d', 'evt-001'),
      good.replace('evt-0001:a.b_c-d', 'x'.repeat(65)),
      // receivedAt too short, too long, not a number, and a line cut short.
      good.replace(String(receivedAt), '123'),
      good.replace(String(receivedAt), '1234567890123456'),
      good.replace(String(receivedAt), '"1764547200123"'),
      good.slice(0, 60),
      // A type the store does not know, and one that only starts like a known one.
      good.replace('"impression"', '"hover"'),
      good.replace('"impression"', '"impressions"'),
      'garbage, not JSON at all, but long enough to be looked at',
      '',
    ];
    for (const line of others) assert.equal(scan(line), undefined, line);
  });

  it('reads a line in the middle of a chunk without reading past its end', () => {
    const lines = [event({ id: 'first-0001' }), event({ id: 'second-0002', type: 'click' })].map((e) =>
      storedLine(e, receivedAt),
    );
    const bytes = Buffer.from(lines.join(''));
    const firstEnd = bytes.indexOf(10);
    const secondEnd = bytes.indexOf(10, firstEnd + 1);
    const second = scanStoredLine(bytes, firstEnd + 1, secondEnd);
    assert.equal(second && bytes.toString('utf8', second.idStart, second.idEnd), 'second-0002');
    // Cut before its closing brace, the line is not the store's shape.
    assert.equal(scanStoredLine(bytes, firstEnd + 1, secondEnd - 1), undefined);
  });
});
