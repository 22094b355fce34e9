import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import express from 'express';
import { until } from '../../workshop/test-support/until.ts';
import { widgetBundles, widgetFiles } from './widget-bundle.ts';

/** A module as a build writes it, long enough that a copy cut in half does not parse. */
const bundle = (version: string): string =>
  `const shelf = { version: ${JSON.stringify(version)}, items: [${'1, '.repeat(2000)}1] };\n` +
  `export function render(root) {\n  root.textContent = shelf.version;\n  return shelf.items.length;\n}\n`;

describe('the widget bundle, held in memory and swapped whole', { timeout: 60_000 }, () => {
  it('serves from memory; keeps the last complete build while the folder is emptied or half written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'widget-bundle-'));
    const path = join(dir, 'reco-shelf.js');
    writeFileSync(path, bundle('v1'));
    const files = widgetFiles(dir, { required: 'reco-shelf.js', settleMs: 50 });
    const app = express().use(widgetBundles(path, [], files));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reco-shelf.js`;
    const served = async (): Promise<string> => {
      const res = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
      return res.status === 200 ? await res.text() : `HTTP ${res.status}`;
    };
    try {
      assert.equal(await served(), bundle('v1'));

      // A deploy empties the folder first: the file is gone from disk, not from the shelf.
      unlinkSync(path);
      assert.equal(await served(), bundle('v1'), 'a request reads memory, not the disk');
      await until(
        () => files.rejected,
        (n) => n >= 1,
        'the emptied folder to be seen and refused',
      );
      assert.equal(await served(), bundle('v1'));

      // The new build is copied in two halves.
      const next = bundle('v2');
      const refusedBefore = files.rejected;
      writeFileSync(path, next.slice(0, next.length / 2));
      assert.equal(await served(), bundle('v1'), 'never half a file');
      await until(
        () => files.rejected,
        (n) => n > refusedBefore,
        'the half-written file to be seen and refused',
        20_000,
      );
      assert.equal(await served(), bundle('v1'), 'never half a file');
      assert.equal(files.generation, 1);

      appendFileSync(path, next.slice(next.length / 2));
      await until(
        () => files.generation,
        (g) => g === 2,
        'the whole new build to be taken',
        20_000,
      );
      assert.equal(await served(), next);
    } finally {
      files.close();
      server.close();
    }
  });

  it('a folder not built at start is served once a complete build appears in it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'widget-bundle-')), 'dist');
    const files = widgetFiles(dir, { required: 'reco-shelf.js', settleMs: 50 });
    try {
      assert.equal(files.get('reco-shelf.js'), undefined);
      mkdirSync(dir);
      writeFileSync(join(dir, 'reco-shelf.js'), bundle('v1'));
      await until(
        () => files.generation,
        (g) => g === 2,
        'the first build to be taken',
        20_000,
      );
      assert.equal(files.get('reco-shelf.js')?.identity.toString(), bundle('v1'));
    } finally {
      files.close();
    }
  });

  it('follows the folder when a deploy puts a new one in its place, every time', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'widget-bundle-'));
    const dir = join(parent, 'dist');
    mkdirSync(dir);
    writeFileSync(join(dir, 'reco-shelf.js'), bundle('v1'));
    const files = widgetFiles(dir, { required: 'reco-shelf.js', settleMs: 50 });
    const deploy = (version: string): void => {
      const next = join(parent, `dist.${version}`);
      mkdirSync(next);
      writeFileSync(join(next, 'reco-shelf.js'), bundle(version));
      rmSync(dir, { recursive: true });
      renameSync(next, dir);
    };
    const served = (): string | undefined => files.get('reco-shelf.js')?.identity.toString();
    try {
      for (const version of ['v2', 'v3']) {
        deploy(version);
        await until(served, (text) => text === bundle(version), `${version}, deployed as a new folder`, 20_000);
      }
      // And a build written into the folder now in place is followed too.
      writeFileSync(join(dir, 'reco-shelf.js'), bundle('v4'));
      await until(served, (text) => text === bundle('v4'), 'v4, written into the new folder', 20_000);
    } finally {
      files.close();
    }
  });
});
