import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { hashOfIdBytes, hashOfKey, InProcessIdempotencyWindow } from './idempotency-window.ts';

const hourMs = 3_600_000;

/** Adds the browser key `browser:<id>` as start-up does: hashed from the id's bytes. */
const addAtStart = (window: InProcessIdempotencyWindow, id: string, receivedAt: number): void => {
  const bytes = Buffer.from(`{"id":"${id}"`);
  const hash = hashOfIdBytes('browser', bytes, 7, 7 + id.length);
  window.addHash(hash[0]!, hash[1]!, receivedAt);
};

describe('idempotency window', () => {
  it('claims, confirms and releases', () => {
    const window = new InProcessIdempotencyWindow(1);
    assert.deepEqual(window.claim(['a-000001', 'a-000001'], 0), ['claimed', 'pending']);
    window.release(['a-000001']);
    assert.deepEqual(window.claim(['a-000001'], 0), ['claimed']);
    window.confirm(['a-000001'], 0);
    assert.deepEqual(window.claim(['a-000001'], 30 * 60_000), ['stored']);
    assert.deepEqual(window.claim(['a-000001'], 2 * hourMs + 1), ['claimed']);
  });

  it("hashes an id's key the same from its bytes as from its string, and each namespace apart", () => {
    const id = 'evt-0001:a.b_c-d';
    const bytes = Buffer.from(`x${id}y`);
    assert.deepEqual([...hashOfIdBytes('browser', bytes, 1, 1 + id.length)], hashOfKey(`browser:${id}`));
    assert.deepEqual([...hashOfIdBytes('server', bytes, 1, 1 + id.length)], hashOfKey(`server:${id}`));
    assert.notDeepEqual(hashOfKey(`server:${id}`), hashOfKey(`browser:${id}`));
  });

  it('seeds its hashes per process: another process hashes the same key differently', () => {
    const inAnother = (): string =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          "const { hashOfKey } = await import('./server/events/idempotency-window.ts');" +
            "console.log(JSON.stringify(hashOfKey('browser:order-1001-22423')));",
        ],
        { encoding: 'utf8' },
      ).trim();
    const here = JSON.stringify(hashOfKey('browser:order-1001-22423'));
    const there = [inAnother(), inAnother()];
    assert.equal(new Set([here, ...there]).size, 3, `${here} ${there.join(' ')}`);
  });

  it('holds a million ids in about 8 bytes each', () => {
    const window = new InProcessIdempotencyWindow(24);
    const ids = Array.from({ length: 1_000_000 }, (_, i) => `evt-${i}-x`);
    window.confirm(ids, 0);
    assert.equal(window.stats.ids, 1_000_000);
    assert.ok(window.stats.bytes <= 16 * 1024 * 1024, `${window.stats.bytes} bytes`);
    assert.ok(ids.every((id) => window.has(id)));
    assert.equal(window.has('evt-never-seen'), false);
  });

  it('recognises the ids read at start in about 11 bytes each, hour by hour, until they leave the window', () => {
    const start = Date.UTC(2026, 10, 30);
    const window = new InProcessIdempotencyWindow(24);
    const perHour = 100_000;
    for (let hour = 0; hour < 10; hour++) {
      for (let i = 0; i < perHour; i++) addAtStart(window, `start-${hour}-${i}`, start + hour * hourMs + i);
    }
    // An hour read again after it was sealed (another instance's segment covering the same time).
    addAtStart(window, 'late-0-000001', start + 5);
    window.seal();
    assert.equal(window.stats.ids, 10 * perHour + 1);
    assert.ok(window.stats.bytes <= 12 * 10 * perHour, `${window.stats.bytes} bytes`);
    const now = start + 10 * hourMs;
    for (let hour = 0; hour < 10; hour++) {
      const keys = [`browser:start-${hour}-0`, `browser:start-${hour}-${perHour - 1}`];
      assert.deepEqual(window.claim(keys, now), ['stored', 'stored']);
    }
    const keys = ['browser:late-0-000001', 'browser:start-0-100000', 'browser:never-0000'];
    assert.deepEqual(window.claim(keys, now), ['stored', 'claimed', 'claimed']);
    let missing = 0;
    for (let i = 0; i < perHour; i += 7) if (!window.has(`browser:start-3-${i}`)) missing++;
    assert.equal(missing, 0);
    // Ids stored after start sit beside the sealed ones in the same hour.
    window.confirm(['after-000001'], now - 1);
    assert.equal(window.has('after-000001'), true);
    // 25 h after the first hour, it has left the window; the second has not.
    assert.deepEqual(window.claim(['browser:start-0-1', 'browser:start-1-1'], start + 25 * hourMs), [
      'claimed',
      'stored',
    ]);
  });

  it('looks up ids added at start even before they are sealed', () => {
    const window = new InProcessIdempotencyWindow(24);
    addAtStart(window, 'early-000001', 0);
    assert.deepEqual(window.claim(['browser:early-000001'], 1000), ['stored']);
  });
});
