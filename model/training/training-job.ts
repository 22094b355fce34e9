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
import { type ModelParams, type ShippableModel, shippableModels } from './candidates.ts';
import { readTrainingChannel } from './training-channel.ts';
import { defaultShipped } from './shipped-config.ts';
import { trainOnPurchases } from './train.ts';

const environment = z.object({
  SM_INPUT_DIR: z.string().min(1).default('/opt/ml/input'),
  SM_MODEL_DIR: z.string().min(1).default('/opt/ml/model'),
  SM_OUTPUT_DIR: z.string().min(1).default('/opt/ml/output'),
  SM_CHANNEL_TRAINING: z.string().min(1).optional(),
});

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
    if (!(key in params)) throw new Error(`hyperparameters: unknown parameter "${key}"`);
    const number = value === 'Infinity' ? Infinity : Number(value);
    if (Number.isNaN(number)) throw new Error(`hyperparameters: ${key} is not a number: ${String(value)}`);
    params[key as keyof ModelParams] = number;
  }
  return params;
}

/** Runs the job in the given tree; returns the exit code (0 done, 1 failed with `output/failure` written). */
export function runTrainingJob(env: NodeJS.ProcessEnv = process.env): number {
  const paths = environment.parse(env);
  try {
    const hyper = hyperparameters.parse(
      JSON.parse(readFileSync(join(paths.SM_INPUT_DIR, 'config', 'hyperparameters.json'), 'utf8')),
    );
    const channel = paths.SM_CHANNEL_TRAINING ?? join(paths.SM_INPUT_DIR, 'data', 'training');
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
    const manifest = trainOnPurchases(purchases, { out: paths.SM_MODEL_DIR, model });
    console.log(`train: ${manifest.modelVersion} from ${purchases.length} purchases → ${paths.SM_MODEL_DIR}`);
    return 0;
  } catch (error) {
    const reason =
      error instanceof z.ZodError ? `hyperparameters: ${error.issues[0]?.message}` : (error as Error).message;
    mkdirSync(paths.SM_OUTPUT_DIR, { recursive: true });
    // SageMaker shows the first 1024 characters of this file as the job's FailureReason.
    writeFileSync(join(paths.SM_OUTPUT_DIR, 'failure'), reason.slice(0, 1024));
    console.error(`train: failed: ${reason}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(runTrainingJob());
