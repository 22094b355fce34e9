/**
 * `npm run model:package -- [--model-dir DIR] [--out FILE]`: packs the artifact folder as
 * the `model.tar.gz` SageMaker extracts into /opt/ml/model (files at the archive root).
 * A minimal ustar writer plus node:zlib rather than the system `tar`: no dependency on the
 * host's tar flavour (GNU vs BSD), and a fixed mtime makes the archive reproducible.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { defaultModelDir } from './shipped-config.ts';

const BLOCK = 512;

/** One ustar header block for a regular file. */
function header(name: string, size: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`package: file name "${name}" is over 100 bytes`);
  const block = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string) => block.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, mtime);
  field(148, 8, '        '); // checksum is computed with this field as spaces
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of block) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A gzip'd ustar archive of `files` (name → bytes), in the given order. */
export function tarGz(files: { name: string; data: Buffer }[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const { name, data } of files) {
    parts.push(header(name, data.length, mtime), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return gzipSync(Buffer.concat(parts), { level: 6 });
}

/**
 * One file of a gzip'd ustar archive (as `tarGz` writes and SageMaker reads), or undefined when
 * the archive holds no such file; throws on an archive that is not whole.
 */
export function readFromTarGz(archive: Buffer, name: string): Buffer | undefined {
  const tar = gunzipSync(archive);
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((byte) => byte === 0)) return undefined;
    const entry = header.toString('ascii', 0, 100).replace(/\0.*$/s, '');
    const size = Number.parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim(), 8);
    if (!Number.isFinite(size) || at + BLOCK + size > tar.length) throw new Error(`package: archive cut at ${entry}`);
    if (entry === name || entry === `./${name}`) return tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}

/** Packs every regular file of `modelDir` (top level only, sorted) into `out`; returns the names packed. */
export function packageModel(modelDir: string, out: string): string[] {
  const names = readdirSync(modelDir)
    .filter((name) => statSync(join(modelDir, name)).isFile())
    .sort();
  if (!names.includes('manifest.json'))
    throw new Error(`package: ${modelDir} holds no manifest.json; run npm run train first`);
  writeFileSync(out, tarGz(names.map((name) => ({ name, data: readFileSync(join(modelDir, name)) }))));
  return names;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'model-dir': { type: 'string', default: defaultModelDir },
      out: { type: 'string', default: join(defaultModelDir, '..', 'model.tar.gz') },
    },
  });
  const names = packageModel(values['model-dir'], values.out);
  console.log(`package: ${values.out} (${(statSync(values.out).size / 1e6).toFixed(1)} MB): ${names.join(', ')}`);
}
