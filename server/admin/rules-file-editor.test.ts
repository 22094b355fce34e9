import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditLog, auditPathFor, diffRules } from './audit-log.ts';
import { EditConflictError, RulesFileEditor, versionOf } from './rules-file-editor.ts';
import { InvalidPlacementRulesError } from '../shelf/placement-rules.ts';

const shipped = readFileSync(new URL('../placements.json', import.meta.url), 'utf8');

function rulesFolder(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'reco-rules-edit-'));
  const file = join(dir, 'placements.json');
  writeFileSync(file, shipped);
  return { dir, file };
}
const noAudit = () => {};

describe('the rules file editor', () => {
  it('keeps the shipped file byte for byte when nothing changes, and writes nothing', async () => {
    const { dir, file } = rulesFolder();
    const home = JSON.parse(shipped).placements.home;
    const result = await new RulesFileEditor(file).setPlacement('home', home, versionOf(home), noAudit);
    assert.equal(result.changed, false);
    assert.equal(readFileSync(file, 'utf8'), shipped);
    assert.deepEqual(readdirSync(dir), ['placements.json']);
  });

  it('two instances editing at once both land, one after the other, under the lock', async () => {
    const { dir, file } = rulesFolder();
    const [a, b] = [new RulesFileEditor(file), new RulesFileEditor(file)];
    await Promise.all([
      a.setPlacement('home', { limit: 5, pin: [{ itemId: '23084', position: 1 }] }, undefined, noAudit),
      b.setPlacement('cart', { limit: 4, hide: [{ category: 'Christmas' }] }, undefined, noAudit),
    ]);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(doc.placements.home.limit, 5);
    assert.equal(doc.placements.cart.limit, 4);
    assert.deepEqual(readdirSync(dir), ['placements.json'], 'no temporary or lock file left');
  });

  it('takes over a lock left by a crashed instance, but waits for a live one', async () => {
    const { file } = rulesFolder();
    writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    await new RulesFileEditor(file).setPlacement('home', { limit: 3 }, undefined, noAudit);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).placements.home.limit, 3);

    writeFileSync(`${file}.lock`, '');
    const waiting = new RulesFileEditor(file).setPlacement('home', { limit: 4 }, undefined, noAudit);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).placements.home.limit, 3, 'not written under a live lock');
    rmSync(`${file}.lock`);
    await waiting;
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).placements.home.limit, 4);
  });

  it('replaces the file a symlink points at, and keeps the link', async () => {
    const { dir } = rulesFolder();
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'rules.json'), shipped);
    const link = join(dir, 'link.json');
    symlinkSync(join(dir, 'shared', 'rules.json'), link);
    await new RulesFileEditor(link).setPlacement('home', { limit: 2 }, undefined, noAudit);
    assert.equal(JSON.parse(readFileSync(join(dir, 'shared', 'rules.json'), 'utf8')).placements.home.limit, 2);
    assert.equal(JSON.parse(readFileSync(link, 'utf8')).placements.home.limit, 2);
  });

  it('refuses a bad rule and a stale edit, leaving the file and the log as they were', async () => {
    const { file } = rulesFolder();
    const editor = new RulesFileEditor(file);
    let audited = 0;
    await assert.rejects(
      editor.setPlacement('home', { boost: [{ weight: 2 }] }, undefined, () => audited++),
      (error: Error) =>
        error instanceof InvalidPlacementRulesError && /placements\.home\.boost\[0\]/.test(error.message),
    );
    await assert.rejects(
      editor.setPlacement('home', { limit: 2 }, 'stale', () => audited++),
      EditConflictError,
    );
    assert.equal(readFileSync(file, 'utf8'), shipped);
    assert.equal(audited, 0);
  });
});

describe('the audit log', () => {
  it('lives beside the rules, newest first, and skips a line torn by a crash', () => {
    const { file } = rulesFolder();
    const log = new AuditLog(auditPathFor(file));
    assert.equal(log.path, file.replace(/placements\.json$/, 'placements.audit.jsonl'));
    const first = log.append({ who: 'ana', placement: 'home', action: 'edit', before: null, after: { limit: 2 } });
    log.append({ who: 'bo', placement: 'cart', action: 'edit', before: { limit: 6 }, after: { limit: 4 } });
    appendFileSync(log.path, '{"id":"torn');
    assert.deepEqual(
      log.entries().map((e) => e.who),
      ['bo', 'ana'],
    );
    assert.equal(log.find(first.id)?.placement, 'home');
  });

  it('diffs key by key', () => {
    assert.deepEqual(diffRules({ limit: 6, pin: [] }, { limit: 6, hide: [{ category: 'A' }] }), [
      { path: 'pin', before: [], after: null },
      { path: 'hide', before: null, after: [{ category: 'A' }] },
    ]);
  });
});
