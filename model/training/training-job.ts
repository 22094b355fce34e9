/**
 * `train` as a SageMaker training job runs it (`docker run IMAGE train`): reads the purchases of
 * the `training` channel (CSV or CSV.gz in the export's columns, already cleaned and keyed by the
 * retrain that uploaded them) and `hyperparameters.json` (`algorithm`, and `params` as JSON; SageMaker
 * passes every value as a string), writes the artifact to the model folder (SageMaker then packs it
 * as model.tar.gz), and on failure writes the reason to `output/failure` and exits 1 — the text
 * DescribeTrainingJob shows as FailureReason.
 *
 * Paths follow SageMaker's tree under /opt/ml; the environment may move them (tests lay the tree
 * out in a temp folder): SM_INPUT_DIR (/opt/ml/input), SM_MODEL_DIR (/opt/ml/model),
 * SM_OUTPUT_DIR (/opt/ml/output), SM_CHANNEL_TRAINING (<input>/data/training).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { nonEmptyText } from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';
import { type ModelParams, optionalParamKeys, type ShippableModel, shippableModels } from './candidates.ts';
import { readTrainingChannel } from './training-channel.ts';
import { defaultShipped } from './shipped-config.ts';
import { trainOnPurchases } from './train.ts';

/** SageMaker's tree under /opt/ml, where the environment does not move it. */
export const trainingJobDefaults = {
  inputDir: '/opt/ml/input',
  modelDir: '/opt/ml/model',
  outputDir: '/opt/ml/output',
  /** Unset: `<inputDir>/data/training`. */
  trainingChannel: undefined as string | undefined,
};

/** Each variable the job reads, and the option it sets. SageMaker sets many more `SM_*`: none is refused. */
export const trainingJobEnvironment = {
  SM_INPUT_DIR: ['inputDir', nonEmptyText],
  SM_MODEL_DIR: ['modelDir', nonEmptyText],
  SM_OUTPUT_DIR: ['outputDir', nonEmptyText],
  SM_CHANNEL_TRAINING: ['trainingChannel', nonEmptyText],
} as const satisfies EnvironmentTable<typeof trainingJobDefaults>;

/** SageMaker's hyper-parameters: strings only; `params` holds the model's parameters as JSON. */
const hyperparameters = z.object({
  algorithm: z.enum(shippableModels).default(defaultShipped.name),
  params: z.string().default('{}'),
});

/** Parses the parameters, `"Infinity"` included (JSON has none); unknown keys are refused. */
function parseParams(text: string): ModelParams {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const params = { ...defaultShipped.params };
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in params) && !(optionalParamKeys as readonly string[]).includes(key))
      throw new Error(`hyperparameters: unknown parameter "${key}"`);
    const number = value === 'Infinity' ? Infinity : Number(value);
    if (Number.isNaN(number)) throw new Error(`hyperparameters: ${key} is not a number: ${String(value)}`);
    params[key as keyof ModelParams] = number;
  }
  return params;
}

/**
 * Runs the job in the given tree; returns the exit code (0 done, 1 failed with `output/failure` written).
 * A bad variable throws `InvalidEnvironmentError` before anything is read or written.
 */
export function runTrainingJob(env: NodeJS.ProcessEnv = process.env): number {
  const paths = readEnvironment('train', trainingJobDefaults, trainingJobEnvironment, env);
  try {
    const hyper = hyperparameters.parse(
      JSON.parse(readFileSync(join(paths.inputDir, 'config', 'hyperparameters.json'), 'utf8')),
    );
    const channel = paths.trainingChannel ?? join(paths.inputDir, 'data', 'training');
    const files = readdirSync(channel)
      .filter((name) => /\.csv(\.gz)?$/.test(name))
      .sort()
      .map((name) => join(channel, name));
    const purchases = readTrainingChannel(files);
    if (purchases.length === 0) throw new Error(`no purchases in the training channel ${channel}`);
    const model: { name: ShippableModel; params: ModelParams } = {
      name: hyper.algorithm,
      params: parseParams(hyper.params),
    };
    const manifest = trainOnPurchases(purchases, { out: paths.modelDir, model });
    console.log(`train: ${manifest.modelVersion} from ${purchases.length} purchases → ${paths.modelDir}`);
    return 0;
  } catch (error) {
    const reason =
      error instanceof z.ZodError ? `hyperparameters: ${error.issues[0]?.message}` : (error as Error).message;
    mkdirSync(paths.outputDir, { recursive: true });
    // SageMaker shows the first 1024 characters of this file as the job's FailureReason.
    writeFileSync(join(paths.outputDir, 'failure'), reason.slice(0, 1024));
    console.error(`train: failed: ${reason}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(runTrainingJob());
