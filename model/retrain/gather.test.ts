import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import { worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { parseCsv } from '../training/training-channel.ts';
import { gather } from './gather.ts';
import { retrainExitCodes } from './retrain-error.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gather-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const DAY_MS = 86_400_000;

test('events of one afternoon: the history is moved to end before the whole test period', () => {
  const w = writeRetrainWorld(join(scratch, 'afternoon'));
  const [header, ...lines] = readFileSync(w.eventsFile, 'utf8').trimEnd().split('\n');
  const sameDay = lines.map((l, i) =>
    l.replace(/2026-11-\d\d \d\d:\d\d:\d\d/, `2026-11-30 15:${String(i % 60).padStart(2, '0')}:00`),
  );
  writeFileSync(w.eventsFile, `${[header, ...sameDay].join('\n')}\n`);
  const gathered = gather({
    historyDir: w.historyDir,
    eventFiles: [w.eventsFile],
    pseudonymKey: worldKey,
    rebaseHistory: true,
    windowDays: 14,
  });
  const historyEnd = Date.parse(`${gathered.history.through}T23:59:59Z`);
  assert.ok(historyEnd < gathered.newestEvent - 14 * DAY_MS, `${gathered.history.through} ends before the window`);
  assert.ok(historyEnd > gathered.newestEvent - 16 * DAY_MS, 'and not much earlier');
  // History ids are keyed as the export keyed the events: one customer, one id.
  assert.ok(gathered.purchases.some((p) => p.customerId === pseudonymOf('12000', worldKey) && p.time < historyEnd));
  assert.ok(!gathered.purchases.some((p) => p.customerId === '12000'));
});

test('--keep-history-dates leaves the history where it was', () => {
  const w = writeRetrainWorld(join(scratch, 'kept'));
  const options = { historyDir: w.historyDir, eventFiles: [w.eventsFile], pseudonymKey: worldKey, windowDays: 14 };
  const gathered = gather({ ...options, rebaseHistory: false });
  assert.equal(gathered.history.rebasedDays, 0);
  assert.match(gathered.history.through, /^2011-/);
});

test('an event file whose header is not the export’s is refused as torn data', () => {
  const w = writeRetrainWorld(join(scratch, 'header'));
  writeFileSync(w.eventsFile, 'a,b,c\n1,2,3\n');
  assert.throws(
    () => gather({ historyDir: w.historyDir, eventFiles: [w.eventsFile], rebaseHistory: true, windowDays: 14 }),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === retrainExitCodes.tornData && /not the export's/.test(e.message),
  );
});

test('CSV records keep quoted commas, doubled quotes and CRLF line ends', () => {
  assert.deepEqual(parseCsv('a,"b, ""c""",d\r\ne,f,g', 'x'), [
    ['a', 'b, "c"', 'd'],
    ['e', 'f', 'g'],
  ]);
});
