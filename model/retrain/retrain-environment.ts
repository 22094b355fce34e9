/**
 * What `npm run retrain` and `npm run gate` read from their environment (the proxy's env file may be
 * the one they run with: its own variables pass, an unknown `RECO_*` name is refused).
 */
import { z } from 'zod';
import { fixedPort, nonEmptyText, secretKey } from '../../environment/parsers.ts';
import { type EnvironmentTable, InvalidEnvironmentError, readEnvironment } from '../../environment/read-environment.ts';
import { knownEnvironmentVariables, defaults as proxyDefaults } from '../../server/config.ts';
import { RetrainError } from './retrain-error.ts';

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
