/**
 * `npm run retrain -- [options]`: the flywheel, local by default. Exports the stored purchase
 * events, gathers them with the history, trains a candidate on all but the test window (the
 * last --window-days), scores it beside the serving recipe re-fitted on the same data, buy-again and
 * popularity on that window, gates on the paired intervals' lower bounds (gate.ts), and on pass
 * trains on everything into a new versioned folder (packaged as model.tar.gz). See model/README.md
 * "Retrain: the flywheel". The environment is read by `readRetrainEnvironment` (retrain-environment.ts).
 *
 *   --events FILE|DIR      exported purchase CSVs to use instead of exporting (repeatable)
 *   --events-dir DIR       the event store to export from (default RECO_EVENTS_DIR, else the proxy's)
 *   --history DIR          the history's CSV parts (default data/online-retail)
 *   --serving DIR          the artifact serving now (default: the last --promote --full, else
 *                          model/artifacts/model)
 *   --versions DIR         where versions go (default model/artifacts/versions)
 *   --window-days N        the test window (default 14)
 *   --tolerance X          relative NDCG@10 loss accepted against the serving model, at the paired
 *                          interval's lower bound (default 0.05)
 *   --min-customers N      fewest test customers per gated view for a verdict (default 300)
 *   --keep-history-dates   do not move an old history up to the events (see gather.ts)
 *   --promote [--share P]  serve the new version locally as a challenger variant (P %, default 10)
 *   --full                 with --promote: make it the champion (the others kept at weight 0), once the
 *                          online evidence (online-evidence.ts) is enough; --force promotes without it
 *   --runtime-url URL      the local runtime (default http://127.0.0.1:$SAGEMAKER_PORT, port 8080)
 *   --log-dir DIR          the stack's log folder (default var/logs): the challenger's log, the
 *                          list of promoted containers npm start's stop ends, and stack.json, whose
 *                          launcher the challenger exits with
 *   --cloud                upload model.tar.gz to S3, create the model, roll it out as a canary
 *                          (model/retrain/cloud-rollout.ts); --dry-run prints every AWS request
 *   --train-in-cloud       with --cloud: train in SageMaker training jobs, the first on the data before the
 *                          window, its model gated here before the second job and the deploy are sent
 *   --s3-uri s3://b/p --image URI --role ARN --endpoint NAME --region R
 *                          (defaults: RECO_MODEL_S3_URI, RECO_MODEL_IMAGE, RECO_SAGEMAKER_ROLE_ARN,
 *                          SAGEMAKER_ENDPOINT_NAME or reco-shelf, AWS_REGION)
 *   --create               with --cloud: the endpoint does not exist yet (created, not updated)
 *   --export-only [--out DIR]  write the training channel for a trainer of any language and stop
 *                          (model/retrain/export-channel.ts; default DIR versions/export-<time>)
 *   --candidate-url URL    judge a running container black-box instead of training a candidate (as
 *                          npm run gate does); with --promote, serve it as the challenger on a pass
 *
 * Exit codes: model/retrain/retrain-error.ts (0 shipped, 2 bad options or environment, 9 the candidate
 * container broke the contract, 10 refused by the gate, 11 not enough evidence, 12 the serving model
 * cannot be compared fairly; every code in model/README.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { developmentPseudonymKey } from '../../environment/development-keys.ts';
import { liveStackPid } from '../../workshop/local-stack/stack-lifetime.ts';
import { printSteps, sendSteps } from '../deploy/aws-calls.ts';
import { jsonReplacer, readShippedConfig } from '../training/shipped-config.ts';
import { cloudSteps } from './cloud-rollout.ts';
import { defaultGateRules, renderGateTable } from './gate.ts';
import { promoteLocally, variantNameFor } from './local-promotion.ts';
import { onlineEvidence } from './online-evidence.ts';
import { type RetrainReport, retrain } from './pipeline.ts';
import { RetrainError, retrainExitCodes } from './retrain-error.ts';
import { parseOptions, type RetrainOptions as Options } from './retrain-options.ts';
import { type Inputs, resolveInputs, servingPointerPath, windowOptionsOf } from './retrain-inputs.ts';
import { gateContainer } from './container-candidate.ts';
import { exportTrainingChannel } from './export-channel.ts';
import { openTestWindow, type TestWindow, verdictExitCode, windowLines } from './gate-window.ts';
import { gateCloudModel, rollOutInCloud } from './cloud-gate.ts';
import { readRetrainEnvironment } from './retrain-environment.ts';

export { servingPointerPath } from './retrain-inputs.ts';
export { readRetrainEnvironment, retrainDefaults, retrainEnvironment } from './retrain-environment.ts';

/**
 * `--cloud` sends the training data and the model out of the premises, where customers may only
 * appear as pseudonyms under the shop's own key: without one, or with the public demo key (it is in
 * this repository, so anyone could reverse the pseudonyms by hashing customer numbers), it refuses.
 * A key too short never gets here: `readRetrainEnvironment` refuses it, as the proxy does.
 */
export function requireCloudPseudonymKey(key: string | undefined): void {
  if (!key)
    throw new RetrainError(
      'usage',
      "--cloud needs RECO_PSEUDONYM_KEY (the shop's own key, ≥ 32 bytes, the same as the proxy's): customer ids " +
        'leave the premises only as pseudonyms, and the demo key is for local runs only',
    );
  if (key === developmentPseudonymKey)
    throw new RetrainError(
      'usage',
      "--cloud refuses the demo RECO_PSEUDONYM_KEY: it is public; set the shop's own key (the same as the proxy's)",
    );
}

type Environment = ReturnType<typeof readRetrainEnvironment>;

/** `--promote`: serves the version (an artifact folder, or a running container) as a variant of the local runtime. */
async function promote(
  options: Options,
  env: Environment,
  shipped: { modelVersion: string; modelDir: string; containerUrl?: string },
): Promise<void> {
  if (options.full) {
    // The champion changes only on what shoppers did with the challenger (model/retrain/online-evidence.ts).
    const evidence = onlineEvidence({
      eventsDir: options['events-dir'] ?? env.eventsDir,
      challenger: shipped.modelVersion,
    });
    console.log(`\n${evidence.lines.join('\n')}\n`);
    if (!evidence.enough && !options.force)
      throw new RetrainError('gateRefused', '--full refused without enough online evidence (--force promotes anyway)');
  }
  const runtimeUrl = options['runtime-url'] ?? `http://127.0.0.1:${env.sagemakerPort}`;
  const stackPid = liveStackPid(options['log-dir']);
  const result = await promoteLocally({
    runtimeUrl,
    modelDir: shipped.modelDir,
    modelVersion: shipped.modelVersion,
    containerUrl: shipped.containerUrl,
    sharePercent: options.share,
    full: options.full,
    logDir: options['log-dir'],
    stackPid,
  });
  // The retrain re-fits the serving recipe from an artifact: a container promoted by URL is not recorded.
  if (options.full && shipped.containerUrl === undefined)
    writeFileSync(
      servingPointerPath(options.versions),
      `${JSON.stringify({ modelVersion: shipped.modelVersion, modelDir: shipped.modelDir })}\n`,
    );
  const pid = result.container.pid === undefined ? 'already running' : `pid ${result.container.pid}`;
  console.log(`retrain: promoted at ${runtimeUrl}: container ${result.container.url} (${pid})`);
  for (const v of result.variants) console.log(`  variant ${v.name.padEnd(32)} weight ${v.weight}  ${v.url}`);
  if (result.container.pid !== undefined)
    console.log(
      stackPid === undefined
        ? `retrain: no npm start stack logs into ${options['log-dir']}; the challenger runs until stopped ` +
            `(kill ${result.container.pid})`
        : `retrain: the challenger stops with the stack (launcher pid ${stackPid})`,
    );
}

/** `--export-only`: the training channel for a foreign trainer, then stop. */
function exportOnly(options: Options, inputs: Inputs): number {
  const outDir = options.out ?? join(options.versions, `export-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const summary = exportTrainingChannel({
    historyDir: options.history,
    eventFiles: inputs.eventFiles,
    pseudonymKey: inputs.pseudonymKey,
    rebaseHistory: !options['keep-history-dates'],
    erasureLogDir: inputs.erasureLogDir,
    windowDays: options.windowDays,
    outDir,
  });
  console.log(`retrain: exported the training channel to ${outDir} (export.json says what is where)`);
  console.log(`  ${summary.gate.file}: ${summary.gate.purchases} purchases before ${summary.window.cutoff}`);
  console.log(`  ${summary.full.file}: ${summary.full.purchases} purchases, everything`);
  console.log(`retrain: train a candidate on gate/, serve it, then: ${summary.gateCommand}`);
  return 0;
}

/** `--candidate-url`: the gate on a running container; on a pass with `--promote`, that container serves. */
async function judgeContainer(options: Options, env: Environment, inputs: Inputs, url: string): Promise<number> {
  const window = openTestWindow(windowOptionsOf(options, inputs));
  const rules = { ...defaultGateRules, tolerance: options.tolerance, minCustomers: options.minCustomers };
  const judged = await gateContainer(window, url, rules);
  for (const line of windowLines('retrain', window, judged.serving)) console.log(line);
  console.log(`retrain: candidate ${judged.candidate.modelVersion} at ${url} (${judged.candidate.calls} calls)\n`);
  console.log(renderGateTable(judged.rows, judged.verdict));
  const code = verdictExitCode(judged.verdict);
  if (code !== 0 || !options.promote) return code;
  const modelVersion = variantNameFor(judged.candidate.modelVersion);
  await promote(options, env, { modelVersion, modelDir: '', containerUrl: url });
  return 0;
}

/**
 * `--cloud`: the AWS requests around the gate (cloud-rollout.ts). With `--train-in-cloud` the model the
 * gate job trains is fetched and judged on `window` before the second job and the deploy are sent.
 */
async function rollOut(
  options: Options,
  env: Environment,
  model: ReturnType<typeof readShippedConfig>,
  shipped: NonNullable<RetrainReport['shipped']>,
  window: TestWindow,
): Promise<number> {
  const s3Uri = options['s3-uri'] ?? env.modelS3Uri;
  if (!s3Uri) throw new RetrainError('usage', '--cloud needs --s3-uri s3://bucket/prefix (or RECO_MODEL_S3_URI)');
  const plan = cloudSteps(
    {
      modelVersion: shipped.modelVersion,
      archive: shipped.archive,
      trainingData: join(shipped.dir, 'training', 'purchases.csv.gz'),
      gateTrainingData: join(shipped.dir, 'training-gate', 'purchases.csv.gz'),
    },
    {
      s3Uri,
      image: options.image ?? env.modelImage ?? '',
      roleArn: options.role ?? env.roleArn ?? '',
      endpointName: options.endpoint ?? env.endpointName,
      create: options.create,
      trainInCloud: options['train-in-cloud'],
      trainingInstanceType: 'ml.c6i.xlarge',
      model: { name: model.name, params: JSON.parse(JSON.stringify(model.params, jsonReplacer)) },
    },
  );
  if (options['dry-run']) {
    printSteps(plan.beforeGate);
    if (plan.gateModelData !== null)
      console.log(
        `retrain: gate — ${plan.gateModelData} is fetched and judged on the test window here; ` +
          'the requests below are sent only on a pass',
      );
    printSteps(plan.afterGate);
    console.log(`retrain: dry run, ${plan.beforeGate.length + plan.afterGate.length} AWS request(s) not sent`);
    return 0;
  }
  const rules = { ...defaultGateRules, tolerance: options.tolerance, minCustomers: options.minCustomers };
  const region = options.region ?? env.region;
  return rollOutInCloud(
    plan,
    async (steps) => {
      try {
        await sendSteps(steps, region);
      } catch (error) {
        throw new RetrainError('promotionFailed', `cloud roll-out: ${(error as Error).message}`);
      }
    },
    (uri) => gateCloudModel(uri, window, model.params, rules, region ? { region } : {}),
  );
}

async function main(argv: string[]): Promise<number> {
  const env = readRetrainEnvironment();
  const options = parseOptions(argv);
  if (options.cloud) requireCloudPseudonymKey(env.pseudonymKey);
  const inputs = resolveInputs({
    events: options.events,
    eventsDir: options['events-dir'] ?? env.eventsDir,
    versions: options.versions,
    serving: options.serving,
    pseudonymKey: env.pseudonymKey,
    tokensVerified: env.shopperTokenSecret !== undefined,
    command: 'retrain',
  });
  if (options['export-only']) return exportOnly(options, inputs);
  if (options['candidate-url']) return judgeContainer(options, env, inputs, options['candidate-url']);
  const { pseudonymKey, eventFiles, servingDir } = inputs;
  const model = readShippedConfig();
  console.log(`retrain: candidate ${model.name} (parameters from ${model.source}); serving ${servingDir}`);
  let window: TestWindow | undefined;
  const report: RetrainReport = retrain({
    historyDir: options.history,
    eventFiles,
    servingDir,
    versionsDir: options.versions,
    pseudonymKey,
    rebaseHistory: !options['keep-history-dates'],
    erasureLogDir: inputs.erasureLogDir,
    windowDays: options.windowDays,
    rules: { ...defaultGateRules, tolerance: options.tolerance, minCustomers: options.minCustomers },
    model,
    writeTrainingData: options['train-in-cloud'],
    onWindow: (cut) => {
      window = cut;
    },
  });
  const d = report.data;
  console.log(
    `retrain: history ${d.history.purchases} purchases (${d.history.from} … ${d.history.through}` +
      `${d.history.rebasedDays ? `, moved ${d.history.rebasedDays} days forward` : ''}); ` +
      `events ${d.events.purchases} purchases by ${d.events.customers} customers (${d.events.from} … ` +
      `${d.events.through}), ${d.events.newItems.length} item(s) new to the model`,
  );
  console.log(`retrain: test window ${report.window.testFrom} … ${report.window.testThrough}`);
  console.log(`retrain: serving ${report.serving.scored.algorithm}, ${report.serving.scored.how}\n`);
  console.log(renderGateTable(report.rows, report.verdict));
  if (!report.shipped) {
    const outcome = report.verdict.outcome;
    console.log(
      outcome === 'not-enough-evidence'
        ? `\nretrain: not enough evidence (fewer than ${options.minCustomers} test customers in a view): nothing ` +
            `shipped, nothing refused. Report: ${report.unshippedDir}/`
        : `\nretrain: refused; the serving model is untouched. Report: ${report.unshippedDir}/`,
    );
    return outcome === 'not-enough-evidence' ? retrainExitCodes.notEnoughEvidence : retrainExitCodes.gateRefused;
  }
  const shipped = report.shipped;
  console.log(
    `\nretrain: ${shipped.reused ? 'already built' : 'built'} ${shipped.modelVersion} → ${shipped.dir} ` +
      '(model/, model.tar.gz, retrain-report.json)',
  );
  if (options.cloud) {
    const code = await rollOut(options, env, model, shipped, window!);
    if (code !== 0) return code;
  }
  if (options.promote) await promote(options, env, { modelVersion: shipped.modelVersion, modelDir: shipped.modelDir });
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`retrain: ${error.message}`);
      process.exit(error instanceof RetrainError ? error.exitCode : 1);
    },
  );
}
