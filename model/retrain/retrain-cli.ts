/**
 * `npm run retrain -- [options]`: the flywheel, local by default. Exports the stored purchase
 * events, gathers them with the history, trains a candidate on all but the test window (the
 * last --window-days), scores it and the serving artifact on that window, gates, and on pass
 * trains on everything into a new versioned folder (packaged as model.tar.gz). See
 * model/README.md "Retraining". The environment is read by `readRetrainEnvironment` below.
 *
 *   --events FILE|DIR      exported purchase CSVs to use instead of exporting (repeatable)
 *   --events-dir DIR       the event store to export from (default RECO_EVENTS_DIR, else the proxy's)
 *   --history DIR          the history's CSV parts (default data/online-retail)
 *   --serving DIR          the artifact serving now (default: the last --promote --full, else
 *                          model/artifacts/model)
 *   --versions DIR         where versions go (default model/artifacts/versions)
 *   --window-days N        the test window (default 14)
 *   --tolerance X          relative NDCG@10 loss accepted against the serving model (default 0.05)
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
 *   --train-in-cloud       with --cloud: upload the training data and train in a SageMaker training job
 *   --s3-uri s3://b/p --image URI --role ARN --endpoint NAME --region R
 *                          (defaults: RECO_MODEL_S3_URI, RECO_MODEL_IMAGE, RECO_SAGEMAKER_ROLE_ARN,
 *                          SAGEMAKER_ENDPOINT_NAME or reco-shelf, AWS_REGION)
 *   --create               with --cloud: the endpoint does not exist yet (created, not updated)
 *
 * Exit codes: model/retrain/retrain-error.ts (0 shipped, 2 bad options or environment, 10 refused by
 * the gate).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { developmentPseudonymKey } from '../../environment/development-keys.ts';
import { fixedPort, nonEmptyText, secretKey } from '../../environment/parsers.ts';
import { type EnvironmentTable, InvalidEnvironmentError, readEnvironment } from '../../environment/read-environment.ts';
import { knownEnvironmentVariables, defaults as proxyDefaults } from '../../server/config.ts';
import { liveStackPid } from '../../workshop/local-stack/stack-lifetime.ts';
import { printSteps, sendSteps } from '../deploy/aws-calls.ts';
import { jsonReplacer, readShippedConfig } from '../training/shipped-config.ts';
import { cloudSteps } from './cloud-rollout.ts';
import { defaultGateRules, renderGateTable } from './gate.ts';
import { promoteLocally } from './local-promotion.ts';
import { onlineEvidence } from './online-evidence.ts';
import { type RetrainReport, retrain } from './pipeline.ts';
import { RetrainError, retrainExitCodes } from './retrain-error.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What the retrain takes from its environment when no flag says otherwise. */
export const retrainDefaults = {
  pseudonymKey: undefined as string | undefined,
  /** Set when the proxy verifies shopper tokens; the exporter the retrain starts then needs no raw-ids setting. */
  shopperTokenSecret: undefined as string | undefined,
  eventsDir: proxyDefaults.eventsDir,
  sagemakerPort: 8080,
  modelS3Uri: undefined as string | undefined,
  modelImage: undefined as string | undefined,
  roleArn: undefined as string | undefined,
  endpointName: 'reco-shelf',
  region: undefined as string | undefined,
};

/** Each variable the retrain reads, and the option it sets. */
export const retrainEnvironment = {
  RECO_PSEUDONYM_KEY: ['pseudonymKey', secretKey],
  RECO_SHOPPER_TOKEN_SECRET: ['shopperTokenSecret', secretKey],
  RECO_EVENTS_DIR: ['eventsDir', nonEmptyText],
  SAGEMAKER_PORT: ['sagemakerPort', fixedPort],
  RECO_MODEL_S3_URI: ['modelS3Uri', z.string().startsWith('s3://', 'must be an s3://bucket/prefix URI')],
  RECO_MODEL_IMAGE: ['modelImage', nonEmptyText],
  RECO_SAGEMAKER_ROLE_ARN: ['roleArn', z.string().startsWith('arn:', 'must be an IAM role ARN (arn:…)')],
  SAGEMAKER_ENDPOINT_NAME: ['endpointName', nonEmptyText],
  AWS_REGION: ['region', nonEmptyText],
} as const satisfies EnvironmentTable<typeof retrainDefaults>;

/**
 * The retrain's settings from `env`; a bad variable, or a `RECO_*` one no process reads, is a usage
 * error. The proxy's own variables pass: an operator runs the retrain with the proxy's env file.
 */
export function readRetrainEnvironment(env: NodeJS.ProcessEnv = process.env): typeof retrainDefaults {
  try {
    return readEnvironment('environment', retrainDefaults, retrainEnvironment, env, {
      unknown: { prefix: 'RECO_', known: knownEnvironmentVariables },
    });
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) throw new RetrainError('usage', error.message);
    throw error;
  }
}

/** Where `--promote --full` records the champion it made; without that file the stack's default model serves. */
export function servingPointerPath(versionsDir: string): string {
  return join(versionsDir, 'serving.json');
}

function parseOptions(argv: string[]) {
  const parse = () =>
    parseArgs({
      args: argv,
      options: {
        events: { type: 'string', multiple: true },
        'events-dir': { type: 'string' },
        history: { type: 'string', default: join(root, 'data/online-retail') },
        serving: { type: 'string' },
        versions: { type: 'string', default: join(root, 'model/artifacts/versions') },
        'window-days': { type: 'string', default: '14' },
        tolerance: { type: 'string', default: String(defaultGateRules.tolerance) },
        'keep-history-dates': { type: 'boolean', default: false },
        promote: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        share: { type: 'string', default: '10' },
        'runtime-url': { type: 'string' },
        'log-dir': { type: 'string', default: join(root, 'var/logs') },
        cloud: { type: 'boolean', default: false },
        'train-in-cloud': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        's3-uri': { type: 'string' },
        image: { type: 'string' },
        role: { type: 'string' },
        endpoint: { type: 'string' },
        create: { type: 'boolean', default: false },
        region: { type: 'string' },
      },
    });
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (error) {
    throw new RetrainError('usage', (error as Error).message);
  }
  const number = (name: string, text: string, ok: (x: number) => boolean): number => {
    const x = Number(text);
    if (!Number.isFinite(x) || !ok(x)) throw new RetrainError('usage', `--${name}: "${text}" is out of range`);
    return x;
  };
  if (values.full && !values.promote) throw new RetrainError('usage', '--full only makes sense with --promote');
  if (values.cloud && values.promote)
    throw new RetrainError('usage', '--promote serves locally, --cloud on SageMaker: choose one');
  if ((values['train-in-cloud'] || values['dry-run']) && !values.cloud)
    throw new RetrainError('usage', '--train-in-cloud and --dry-run go with --cloud');
  return {
    ...values,
    windowDays: number('window-days', values['window-days'], (x) => Number.isInteger(x) && x >= 1),
    tolerance: number('tolerance', values.tolerance, (x) => x >= 0 && x < 1),
    share: number('share', values.share, (x) => x > 0 && x < 100),
  };
}

/** Exports the store's purchase events with the project's own exporter into `file`. */
function exportEvents(eventsDir: string, file: string, pseudonymKey: string, tokensVerified: boolean): void {
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'server/events/export-cli.ts'),
      ...['--dir', eventsDir, '--types', 'purchase', '--format', 'csv', '--out', file],
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        RECO_PSEUDONYM_KEY: pseudonymKey,
        // The exporter loads the whole proxy config, which insists on a shopper-identity setting
        // it never uses; raw ids are what the event store holds anyway (the export keys them).
        ...(tokensVerified ? {} : { RECO_ALLOW_RAW_USER_IDS: 'true' }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0)
    throw new RetrainError('exportFailed', `events:export of ${eventsDir} failed (exit ${result.status})`);
}

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

async function main(argv: string[]): Promise<number> {
  const env = readRetrainEnvironment();
  const options = parseOptions(argv);
  let pseudonymKey = env.pseudonymKey;
  if (options.cloud) requireCloudPseudonymKey(pseudonymKey);
  if (!pseudonymKey) {
    // The demo's proxy and its first model use this key (demo/processes.ts, scripts/ensure-built.ts).
    console.log('retrain: RECO_PSEUDONYM_KEY is not set; using the demo key, as npm start does');
    pseudonymKey = developmentPseudonymKey;
  }
  mkdirSync(options.versions, { recursive: true });
  let eventFiles = options.events ?? [];
  if (eventFiles.length === 0) {
    const eventsDir = options['events-dir'] ?? env.eventsDir;
    const file = join(options.versions, '.exports', `purchases-${Date.now()}.csv`);
    mkdirSync(join(options.versions, '.exports'), { recursive: true });
    exportEvents(eventsDir, file, pseudonymKey, env.shopperTokenSecret !== undefined);
    eventFiles = [file];
  }
  const pointer = servingPointerPath(options.versions);
  const servingDir =
    options.serving ??
    (existsSync(pointer)
      ? (JSON.parse(readFileSync(pointer, 'utf8')) as { modelDir: string }).modelDir
      : join(root, 'model/artifacts/model'));
  const model = readShippedConfig();
  console.log(`retrain: candidate ${model.name} (parameters from ${model.source}); serving ${servingDir}`);
  const report: RetrainReport = retrain({
    historyDir: options.history,
    eventFiles,
    servingDir,
    versionsDir: options.versions,
    pseudonymKey,
    rebaseHistory: !options['keep-history-dates'],
    windowDays: options.windowDays,
    rules: { ...defaultGateRules, tolerance: options.tolerance },
    model,
    writeTrainingData: options['train-in-cloud'],
  });
  const d = report.data;
  console.log(
    `retrain: history ${d.history.purchases} purchases (${d.history.from} … ${d.history.through}` +
      `${d.history.rebasedDays ? `, moved ${d.history.rebasedDays} days forward` : ''}); ` +
      `events ${d.events.purchases} purchases by ${d.events.customers} customers (${d.events.from} … ` +
      `${d.events.through}), ${d.events.newItems.length} item(s) new to the model`,
  );
  console.log(`retrain: test window ${report.window.testFrom} … ${report.window.testThrough}\n`);
  console.log(renderGateTable(report.rows, report.verdict));
  if (!report.shipped) {
    console.log(`\nretrain: refused; the serving model is untouched. Report: ${options.versions}/refused-*/`);
    return retrainExitCodes.gateRefused;
  }
  const shipped = report.shipped;
  console.log(
    `\nretrain: ${shipped.reused ? 'already built' : 'built'} ${shipped.modelVersion} → ${shipped.dir} ` +
      '(model/, model.tar.gz, retrain-report.json)',
  );
  if (options.cloud) {
    const s3Uri = options['s3-uri'] ?? env.modelS3Uri;
    if (!s3Uri) throw new RetrainError('usage', '--cloud needs --s3-uri s3://bucket/prefix (or RECO_MODEL_S3_URI)');
    const trainingData = join(shipped.dir, 'training', 'purchases.csv.gz');
    const steps = cloudSteps(
      { modelVersion: shipped.modelVersion, archive: shipped.archive, trainingData },
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
      printSteps(steps);
      console.log(`retrain: dry run, ${steps.length} AWS request(s) not sent`);
    } else {
      try {
        await sendSteps(steps, options.region ?? env.region);
      } catch (error) {
        throw new RetrainError('promotionFailed', `cloud roll-out: ${(error as Error).message}`);
      }
    }
  }
  if (options.promote && options.full) {
    const evidence = onlineEvidence({
      eventsDir: options['events-dir'] ?? env.eventsDir,
      challenger: shipped.modelVersion,
    });
    console.log(`\n${evidence.lines.join('\n')}\n`);
    if (!evidence.enough && !options.force)
      throw new RetrainError('gateRefused', '--full refused without enough online evidence (--force promotes anyway)');
  }
  if (options.promote) {
    const runtimeUrl = options['runtime-url'] ?? `http://127.0.0.1:${env.sagemakerPort}`;
    const stackPid = liveStackPid(options['log-dir']);
    const result = await promoteLocally({
      runtimeUrl,
      modelDir: shipped.modelDir,
      modelVersion: shipped.modelVersion,
      sharePercent: options.share,
      full: options.full,
      logDir: options['log-dir'],
      stackPid,
    });
    if (options.full)
      writeFileSync(pointer, `${JSON.stringify({ modelVersion: shipped.modelVersion, modelDir: shipped.modelDir })}\n`);
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
