import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { openPlacementFile } from './placement-file.ts';
import { parseRuleBook, rulesFor } from './placement-rules.ts';
import { until } from '../../workshop/test-support/until.ts';

const shipped = JSON.parse(readFileSync(new URL('../placements.json', import.meta.url), 'utf8')) as unknown;

describe('placement rules', () => {
  it('the shipped rules are valid and fill in the defaults', () => {
    const book = parseRuleBook(shipped);
    const home = rulesFor(book, 'home');
    assert.equal(home.known, true);
    assert.equal(home.rules.budgetMs, 150);
    assert.ok(home.rules.fallback.includes('best-sellers'));
  });

  it('an unknown placement gets the default rules and is marked unknown', () => {
    const { rules, known } = rulesFor(parseRuleBook(shipped), 'footer');
    assert.equal(known, false);
    assert.equal(rules.name, 'footer');
    assert.deepEqual(rules.fallback, parseRuleBook(shipped).defaults.fallback);
  });

  it('names the bad key', () => {
    const bad = structuredClone(shipped) as { placements: { home: Record<string, unknown> } };
    bad.placements.home.budgetMs = 1;
    assert.throws(() => parseRuleBook(bad), /placements\.home\.budgetMs/);
    bad.placements.home.budgetMs = 150;
    bad.placements.home.fallback = ['best-sellers', 'magic'];
    assert.throws(() => parseRuleBook(bad), /placements\.home\.fallback\[1\]/);
  });

  it('re-reads the file on change, and keeps the last good rules after a bad edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'placements-'));
    const path = join(dir, 'placements.json');
    writeFileSync(path, JSON.stringify(shipped));
    const logged: string[] = [];
    const file = openPlacementFile(path, pino({ level: 'error' }, { write: (line: string) => logged.push(line) }));
    try {
      const edited = structuredClone(shipped) as { placements: { home: Record<string, unknown> } };
      edited.placements.home.budgetMs = 90;
      writeFileSync(path, JSON.stringify(edited));
      await until(
        () => file.generation,
        (g) => g === 2,
        'the good edit',
      );
      assert.equal(rulesFor(file.current(), 'home').rules.budgetMs, 90);
      writeFileSync(path, '{ "defaults": ');
      await until(() => logged.some((line) => line.includes('bad edit ignored')), Boolean, 'the bad edit to be logged');
      assert.equal(file.generation, 2, 'a bad edit loads nothing');
      assert.equal(rulesFor(file.current(), 'home').rules.budgetMs, 90);
      edited.placements.home.budgetMs = 80;
      writeFileSync(path, JSON.stringify(edited));
      await until(
        () => file.generation,
        (g) => g === 3,
        'the next good edit',
      );
      assert.equal(rulesFor(file.current(), 'home').rules.budgetMs, 80);
    } finally {
      file.close();
    }
  });

  it('refuses to start on a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'placements-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ defaults: {}, placements: {} }));
    assert.throws(() => openPlacementFile(join(dir, 'p.json'), pino({ level: 'silent' })), /placements: defaults\./);
  });
});
