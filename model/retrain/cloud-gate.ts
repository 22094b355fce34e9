/**
 * The gate on a model a cloud training job made: its archive is fetched from S3, unpacked with the
 * system `tar` (SageMaker writes ordinary tar.gz) and, when it is a reco-shelf artifact, scored as is
 * beside the serving recipe re-fitted at the cut-off — fairly, because the job learnt only from the
 * `training-gate` channel, the purchases before the window. Any other archive (a foreign image's) is
 * refused with the way to judge it: serve it and run `npm run gate -- --candidate-url`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedModel, readArtifact } from '../container/artifact.ts';
import type { DeployStep } from '../deploy/plan.ts';
import type { ModelParams } from '../training/candidates.ts';
import { artifactRecommender } from './artifact-recommender.ts';
import type { CloudPlan } from './cloud-rollout.ts';
import { type GateRules, renderGateTable } from './gate.ts';
import { everyView } from './gate-scoring.ts';
import { type GateResult, gateCandidate, type TestWindow, verdictExitCode } from './gate-window.ts';
import { RetrainError } from './retrain-error.ts';

/** Settings of the S3 client that fetches the archive (tests point it at the S3 stand-in). */
export type S3Settings = Record<string, unknown>;

/** Fetches `s3://bucket/key` whole. */
async function fetchObject(uri: string, s3: S3Settings): Promise<Buffer> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new RetrainError('usage', `not an s3:// object URI: ${uri}`);
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client(s3);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: match[1]!, Key: match[2]! }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } catch (error) {
    throw new RetrainError('promotionFailed', `cloud gate: cannot fetch ${uri}: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
}

/** Unpacks `archive` and reads it as an artifact; a foreign archive stops with the way to judge it. */
function unpack(archive: Buffer, uri: string): LoadedModel {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-gate-'));
  try {
    writeFileSync(join(dir, 'model.tar.gz'), archive);
    const tar = spawnSync('tar', ['-xzf', 'model.tar.gz'], { cwd: dir, encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar: ${tar.stderr.trim()}`);
    return readArtifact(dir);
  } catch (error) {
    throw new RetrainError(
      'candidateFailed',
      `cloud gate: ${uri} is not a reco-shelf artifact (${(error as Error).message}); serve the image on it and ` +
        'judge it with npm run gate -- --candidate-url, then deploy it with npm run model:deploy',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Judges the archive at `uri` on the window. */
export async function gateCloudModel(
  uri: string,
  window: Pick<TestWindow, 'serving' | 'learntUpTo' | 'split'>,
  params: ModelParams,
  rules: GateRules,
  s3: S3Settings = {},
): Promise<GateResult & { modelVersion: string }> {
  const model = unpack(await fetchObject(uri, s3), uri);
  const candidate = everyView('candidate', artifactRecommender(model, window.split.train, 'candidate'));
  return { ...gateCandidate(window, candidate, params, rules), modelVersion: model.manifest.modelVersion };
}

/** Sends the plan's phases around the gate; the deploy phase only on a pass. Returns the exit code. */
export async function rollOutInCloud(
  plan: CloudPlan,
  send: (steps: readonly DeployStep[]) => Promise<void>,
  gate: (uri: string) => Promise<GateResult & { modelVersion: string }>,
  log: (line: string) => void = console.log,
): Promise<number> {
  await send(plan.beforeGate);
  if (plan.gateModelData !== null) {
    const judged = await gate(plan.gateModelData);
    log(`retrain: the cloud's model ${judged.modelVersion} (${plan.gateModelData}), trained before the window:`);
    log(renderGateTable(judged.rows, judged.verdict));
    const code = verdictExitCode(judged.verdict);
    if (code !== 0) {
      log(`retrain: nothing deployed (${plan.afterGate.length} AWS request(s) not sent)`);
      return code;
    }
  }
  await send(plan.afterGate);
  return 0;
}
