import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { packageModel, readFromTarGz } from './package.ts';

test('model.tar.gz holds the artifact files at its root, readable by the system tar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reco-package-'));
  try {
    const modelDir = join(dir, 'model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'manifest.json'), '{"modelVersion":"x"}\n');
    const binary = Buffer.alloc(1300, 7); // crosses a 512-byte block boundary
    writeFileSync(join(modelDir, 'item-item.f32'), binary);
    const out = join(dir, 'model.tar.gz');
    packageModel(modelDir, out);
    assert.deepEqual(execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n'), [
      'item-item.f32',
      'manifest.json',
    ]);
    const extracted = join(dir, 'extracted');
    mkdirSync(extracted);
    execFileSync('tar', ['-xzf', out, '-C', extracted]);
    assert.deepEqual(readFileSync(join(extracted, 'item-item.f32')), binary);
    assert.equal(readFileSync(join(extracted, 'manifest.json'), 'utf8'), '{"modelVersion":"x"}\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packaging a folder without a manifest fails with a hint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reco-package-'));
  try {
    assert.throws(() => packageModel(dir, join(dir, 'model.tar.gz')), /package: .*npm run train/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file is read back out of the archive, also one the system tar wrote, and a cut archive is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reco-package-'));
  try {
    const modelDir = join(dir, 'model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'a.bin'), Buffer.alloc(700, 1));
    writeFileSync(join(modelDir, 'manifest.json'), '{"modelVersion":"v9"}\n');
    const out = join(dir, 'model.tar.gz');
    packageModel(modelDir, out);
    assert.equal(readFromTarGz(readFileSync(out), 'manifest.json')?.toString(), '{"modelVersion":"v9"}\n');
    assert.equal(readFromTarGz(readFileSync(out), 'missing.json'), undefined);
    const gnu = join(dir, 'gnu.tar.gz');
    execFileSync('tar', ['-czf', gnu, '-C', modelDir, '.']);
    assert.equal(readFromTarGz(readFileSync(gnu), 'manifest.json')?.toString(), '{"modelVersion":"v9"}\n');
    const tar = gunzipSync(readFileSync(out));
    assert.throws(() => readFromTarGz(gzipSync(tar.subarray(0, 800)), 'manifest.json'), /archive cut at a\.bin/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
