/**
 * `npm run typecheck` checks what `tsconfig.json` includes, and a file left out is never checked
 * (contracts/ and workshop/local-sagemaker/ once were, tests and all). This test fails when a TypeScript
 * file of the repository is outside the type check.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Not the repository's sources: installed packages, build output, trained artifacts. */
const notSources = new Set(['node_modules', 'dist', 'artifacts', 'var']);

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || notSources.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return /\.(c|m)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative(root, path)] : [];
  });
}

describe('the type check', () => {
  it('covers every TypeScript file of the repository', () => {
    const configPath = join(root, 'tsconfig.json');
    const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
    const checked = new Set(
      ts.parseJsonConfigFileContent(config, ts.sys, root).fileNames.map((file) => relative(root, file)),
    );
    const outside = typeScriptFiles(root).filter((file) => !checked.has(file));
    assert.deepEqual(outside, [], `tsconfig.json leaves out: ${outside.join(', ')}`);
  });
});
