import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { until } from '../../workshop/test-support/until.ts';
import { openCatalogFile } from './catalog-file.ts';
import { openPlacementFile } from './placement-file.ts';
import { rulesFor } from './placement-rules.ts';
import { watchFile } from './watched-file.ts';

const shipped = JSON.parse(readFileSync(new URL('../placements.json', import.meta.url), 'utf8')) as {
  model?: boolean;
  placements: Record<string, Record<string, unknown>>;
};
const capture = () => {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }) };
};

/** A ConfigMap volume as the kubelet lays it out: `name -> ..data/name`, `..data -> ..<version>`. */
function configMapVolume(dir: string, name: string, text: string): (next: string) => void {
  let version = 0;
  const writeVersion = (content: string): string => {
    const folder = `..v${++version}`;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, name), content);
    return folder;
  };
  symlinkSync(writeVersion(text), join(dir, '..data'));
  symlinkSync(join('..data', name), join(dir, name));
  return (next) => {
    // The kubelet's swap: a new folder, a new link beside the old, renamed over it in one step.
    symlinkSync(writeVersion(next), join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
}

describe('watched files', () => {
  it('reloads placement rules swapped in through a symlink (a Kubernetes ConfigMap update)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'configmap-'));
    const swap = configMapVolume(dir, 'placements.json', JSON.stringify(shipped));
    const file = openPlacementFile(join(dir, 'placements.json'), pino({ level: 'silent' }));
    try {
      const edited = structuredClone(shipped);
      edited.placements.home!.budgetMs = 77;
      swap(JSON.stringify(edited));
      await until(
        () => file.generation,
        (g) => g === 2,
        'the swapped rules',
      );
      assert.equal(rulesFor(file.current(), 'home').rules.budgetMs, 77);
    } finally {
      file.close();
    }
  });

  it('hot-reloads the model kill switch, per placement and for all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'placements-'));
    const path = join(dir, 'placements.json');
    writeFileSync(path, JSON.stringify(shipped));
    const file = openPlacementFile(path, pino({ level: 'silent' }));
    try {
      assert.equal(rulesFor(file.current(), 'home').rules.model, true);
      const onePlacement = structuredClone(shipped);
      onePlacement.placements.home!.model = false;
      writeFileSync(path, JSON.stringify(onePlacement));
      await until(
        () => file.generation,
        (g) => g === 2,
        'the per-placement switch',
      );
      assert.equal(rulesFor(file.current(), 'home').rules.model, false);
      assert.equal(rulesFor(file.current(), 'product').rules.model, true);
      writeFileSync(path, JSON.stringify({ ...shipped, model: false }));
      await until(
        () => file.generation,
        (g) => g === 3,
        'the switch for all',
      );
      for (const name of ['home', 'product', 'no-such-placement'])
        assert.equal(rulesFor(file.current(), name).rules.model, false, name);
    } finally {
      file.close();
    }
  });

  it('re-reads a changed catalog, swaps it whole, keeps the last good one after a bad file, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const path = join(dir, 'catalog.json');
    const catalog = JSON.parse(readFileSync(new URL('../../data/catalog.json', import.meta.url), 'utf8')) as {
      products: Array<{ id: string; price: { value: number } }>;
    };
    writeFileSync(path, JSON.stringify(catalog));
    const { lines, logger } = capture();
    const file = openCatalogFile(path, logger);
    const first = catalog.products[0]!;
    try {
      const held = file.index;
      const repriced = structuredClone(catalog);
      repriced.products[0]!.price.value = 12345;
      // Written as editors and exporters do: a temporary file renamed over the old one.
      writeFileSync(`${path}.tmp`, JSON.stringify(repriced));
      renameSync(`${path}.tmp`, path);
      await until(
        () => file.generation,
        (g) => g === 2,
        'the new catalog',
      );
      assert.equal(held.get(first.id)?.price.value, 12345, 'a holder of the index sees the swap');
      writeFileSync(path, JSON.stringify({ products: [] }));
      await until(() => lines.some((l) => l.includes('bad edit ignored')), Boolean, 'the bad file to be logged');
      assert.match(lines.find((l) => l.includes('bad edit ignored'))!, /holds no products/);
      assert.equal(file.generation, 2);
      assert.equal(held.get(first.id)?.price.value, 12345, 'the last good catalog stays');
      assert.equal(held.size, catalog.products.length);
      unlinkSync(path);
      await until(() => lines.filter((l) => l.includes('bad edit ignored')).length >= 2, Boolean, 'the removal');
      assert.equal(held.size, catalog.products.length, 'a removed file keeps the last good catalog too');
    } finally {
      file.close();
    }
  });

  it('logs a bad edit with its error named, not its message alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watched-'));
    const path = join(dir, 'settings.json');
    writeFileSync(path, '{"a":1}');
    const { lines, logger } = capture();
    const file = watchFile(path, { what: 'settings', logger, parse: (text) => JSON.parse(text) as unknown });
    try {
      writeFileSync(path, '{"a":');
      const line = await until(
        () => lines.find((l) => l.includes('bad edit ignored')),
        Boolean,
        'the bad edit to be logged',
      );
      assert.equal((JSON.parse(line!) as { err?: { type?: string } }).err?.type, 'SyntaxError');
      assert.deepEqual(file.current(), { a: 1 });
    } finally {
      file.close();
    }
  });
});
