/**
 * The erasure log holds pseudonyms only, survives a torn last line, and is what the retrain reads:
 * an erased customer is in neither the gathered purchases nor the model a retrain ships, while the
 * model serving now (trained before the erasure) still knows them — until that model is promoted.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import { readArtifact } from '../../model/container/artifact.ts';
import { gather } from '../../model/retrain/gather.ts';
import { retrain } from '../../model/retrain/pipeline.ts';
import { defaultGateRules } from '../../model/retrain/gate.ts';
import { defaultShipped } from '../../model/training/shipped-config.ts';
import { worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { appendErasureRecord, erasedPseudonyms, erasureLogPath, readErasureLog } from './erasure-log.ts';

const scratch = mkdtempSync(join(tmpdir(), 'erasure-log-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the erasure log', () => {
  it('takes pseudonyms only, and reads past a line torn by a crash', async () => {
    const dir = mkdtempSync(join(scratch, 'log-'));
    const pseudonym = pseudonymOf('12003', worldKey);
    await assert.rejects(
      appendErasureRecord(dir, { at: new Date().toISOString(), pseudonym: '12003', step: 'requested', instance: 'x' }),
      /not a pseudonym/,
    );
    await appendErasureRecord(dir, { at: new Date().toISOString(), pseudonym, step: 'requested', instance: 'x' });
    appendFileSync(erasureLogPath(dir), '{"at":"2026-12-07T04:00:00Z","pseudo');
    assert.equal(readErasureLog(dir).length, 1);
    assert.deepEqual([...erasedPseudonyms(dir)], [pseudonym]);
    assert.ok(!readFileSync(erasureLogPath(dir), 'utf8').includes('12003'));
  });

  it('leaves an erased customer out of the retrain: its gathered purchases and the model it ships', async () => {
    const world = writeRetrainWorld(join(scratch, 'world'));
    const dir = mkdtempSync(join(scratch, 'events-'));
    const pseudonym = pseudonymOf('12003', worldKey);
    const options = {
      historyDir: world.historyDir,
      eventFiles: [world.eventsFile],
      pseudonymKey: worldKey,
      rebaseHistory: true,
      windowDays: 14,
    };
    assert.ok(
      gather(options).purchases.some((p) => p.customerId === pseudonym),
      'before: history and events',
    );
    await appendErasureRecord(dir, { at: new Date().toISOString(), pseudonym, step: 'requested', instance: 'x' });
    const gathered = gather({ ...options, erasureLogDir: dir });
    assert.equal(gathered.purchases.filter((p) => p.customerId === pseudonym).length, 0);
    assert.ok(
      gathered.purchases.some((p) => p.customerId === pseudonymOf('12004', worldKey)),
      'the others stay',
    );

    const report = retrain({
      ...options,
      erasureLogDir: dir,
      servingDir: world.servingDir,
      versionsDir: world.versionsDir,
      // This test is about what ships, not the gate: the small world's test period is below the gate's
      // minimum sample, and its 23 customers in view `new` leave an interval too wide for the tolerance.
      rules: { ...defaultGateRules, minCustomers: 20, tolerance: 0.5 },
      model: { name: defaultShipped.name, params: { ...defaultShipped.params, lambda: 10 } },
    });
    assert.ok(report.shipped, `the gate passed: ${JSON.stringify(report.verdict.checks)}`);
    assert.ok(readArtifact(world.servingDir).userIndex.has(pseudonym), 'the model serving now still knows them');
    const shipped = readArtifact(report.shipped.modelDir);
    assert.ok(!shipped.userIndex.has(pseudonym), 'the retrained model holds no history of theirs');
    assert.ok(shipped.userIndex.has(pseudonymOf('12004', worldKey)));
  });
});
