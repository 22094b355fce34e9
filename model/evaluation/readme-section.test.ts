import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSection, replaceSection } from './readme-section.ts';

const text = 'intro\n<!-- t:start -->\nold\n<!-- t:end -->\noutro\n';

test('a section is replaced between its markers and nothing outside them changes', () => {
  const next = replaceSection(text, 't', '| a |\n');
  assert.equal(next, 'intro\n<!-- t:start -->\n| a |\n<!-- t:end -->\noutro\n');
  assert.equal(readSection(next, 't'), '| a |');
  assert.equal(replaceSection(next, 't', 'old'), text);
});

test('a file without the markers is refused, not appended to', () => {
  assert.throws(() => replaceSection('intro\n', 't', 'x'), /markers/);
  assert.throws(() => readSection('<!-- t:end --> <!-- t:start -->', 't'), /markers/);
});
