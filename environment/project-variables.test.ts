/**
 * The proxy refuses a `RECO_*` variable that no process reads, so the list of those other
 * processes read must be whole: every `RECO_*` name in the project's sources (tests and the
 * widget's warning codes aside) is a known one.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { knownEnvironmentVariables } from '../server/config.ts';
import { otherProcessVariables } from './project-variables.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where processes live; `widget/` runs in browsers and its `RECO_*` names are warning codes. */
const processFolders = [
  'demo',
  'environment',
  'model',
  'scripts',
  'server',
  'workshop/local-sagemaker',
  'workshop/local-stack',
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('the known RECO_* variables', () => {
  it('hold every RECO_* name a process of the project reads', () => {
    const known = new Set(knownEnvironmentVariables);
    const unlisted: string[] = [];
    for (const file of processFolders.flatMap((folder) => sources(join(root, folder)))) {
      for (const [name] of readFileSync(file, 'utf8').matchAll(/\bRECO_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        if (!known.has(name)) unlisted.push(`${name} in ${relative(root, file)}`);
      }
    }
    assert.deepEqual(unlisted, [], 'add them to environment/project-variables.ts (or the proxy table)');
    assert.ok(known.has('RECO_STACK_PID') && known.has('RECO_EVENTS_DIR'));
  });

  it('name, for each, files that exist and name it', () => {
    const wrong: string[] = [];
    for (const [name, readers] of Object.entries(otherProcessVariables)) {
      for (const [file] of readers.matchAll(/[\w./-]+\.ts\b/g)) {
        const path = join(root, file);
        if (!existsSync(path) || !readFileSync(path, 'utf8').includes(name)) wrong.push(`${name}: ${file}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
