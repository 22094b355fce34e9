/**
 * `npm run retrain -- --cloud`: the shipped version goes to SageMaker. Upload model.tar.gz to S3
 * (`@aws-sdk/client-s3`), create the model and roll it out as a blue/green canary with its alarms,
 * data capture and autoscaling — the very plan `npm run model:deploy` builds. With `--train-in-cloud`
 * a SageMaker training job trains the model with the image (`train`; the project's or a foreign one),
 * and what it trains is gated before anything is deployed: a first job learns from the purchases
 * before the test window only (the `gate` channel), its archive is judged here on the window
 * (model/retrain/cloud-gate.ts), and only on a pass does the second job learn from everything and
 * its archive roll out. The plan is therefore three phases: train for the gate, the gate, deploy.
 */
import { planFromArgs } from '../deploy/deploy.ts';
import { checkName, type DeployStep, modelVersionTagKey } from '../deploy/plan.ts';
import { RetrainError } from './retrain-error.ts';

/** Where and what to deploy. */
export interface CloudOptions {
  /** `s3://bucket/prefix`: each version goes below `<prefix>/<modelVersion>/`. */
  s3Uri: string;
  image: string;
  roleArn: string;
  endpointName: string;
  /** The endpoint does not exist yet (CreateEndpoint instead of the canary UpdateEndpoint). */
  create: boolean;
  trainInCloud: boolean;
  trainingInstanceType: string;
  /** The model and its parameters, for the training job's hyper-parameters. */
  model: { name: string; params: unknown };
}

/** The version to roll out, as the local retrain shipped it. */
export interface ShippedVersion {
  modelVersion: string;
  archive: string;
  /** The gathered purchases (CSV.gz, export columns): the training channel of a cloud job. */
  trainingData: string;
  /** The same purchases before the test window's cut-off: the channel of the job whose model is gated. */
  gateTrainingData: string;
}

/** The roll-out in order: what is sent before the gate, the archive the gate judges, what is sent on a pass. */
export interface CloudPlan {
  beforeGate: DeployStep[];
  /** `s3://…/model.tar.gz` of the gate job (null: the local archive, already judged as a recipe, is deployed). */
  gateModelData: string | null;
  afterGate: DeployStep[];
}

function splitS3(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*?))?\/?$/.exec(uri);
  if (!match) throw new RetrainError('usage', `--s3-uri must be s3://bucket[/prefix], got "${uri}"`);
  return { bucket: match[1]!, prefix: match[2] ? `${match[2]}/` : '' };
}

/** Every AWS request of the cloud roll-out, in order, around the gate (what `--dry-run` prints). */
export function cloudSteps(shipped: ShippedVersion, options: CloudOptions, now = new Date()): CloudPlan {
  if (!options.image || !options.roleArn)
    throw new RetrainError('usage', '--cloud needs --image (RECO_MODEL_IMAGE) and --role (RECO_SAGEMAKER_ROLE_ARN)');
  const { bucket, prefix } = splitS3(options.s3Uri);
  const base = `${prefix}${shipped.modelVersion}/`;
  const deployArgs = (modelData: string, naming: string[]): string[] => [
    ...naming,
    ...['--model-data', modelData, '--image', options.image, '--role', options.roleArn],
    ...['--endpoint', options.endpointName, options.create ? '--create' : '--update'],
  ];
  const deploy = (args: string[]): DeployStep[] => {
    try {
      return planFromArgs(args, now, {}).steps;
    } catch (error) {
      throw new RetrainError('usage', (error as Error).message);
    }
  };
  if (!options.trainInCloud) {
    const key = `${base}model.tar.gz`;
    return {
      beforeGate: [],
      gateModelData: null,
      afterGate: [
        { service: 's3', command: 'PutObject', input: { Bucket: bucket, Key: key, Body: shipped.archive } },
        ...deploy(deployArgs(`s3://${bucket}/${key}`, ['--archive', shipped.archive])),
      ],
    };
  }
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const jobName = `reco-shelf-${shipped.modelVersion.slice(-8)}-${stamp}`;
  const gateJobName = `${jobName}-gate`;
  checkName('training job name', gateJobName);
  const output = `s3://${bucket}/${base}training-output`;
  const job = (name: string, channel: string, data: string): DeployStep[] => [
    {
      service: 's3',
      command: 'PutObject',
      input: { Bucket: bucket, Key: `${base}${channel}/purchases.csv.gz`, Body: data },
    },
    {
      service: 'sagemaker',
      command: 'CreateTrainingJob',
      input: {
        TrainingJobName: name,
        AlgorithmSpecification: { TrainingImage: options.image, TrainingInputMode: 'File' },
        RoleArn: options.roleArn,
        InputDataConfig: [
          {
            ChannelName: 'training',
            ContentType: 'text/csv',
            DataSource: {
              S3DataSource: {
                S3DataType: 'S3Prefix',
                S3Uri: `s3://${bucket}/${base}${channel}/`,
                S3DataDistributionType: 'FullyReplicated',
              },
            },
          },
        ],
        // SageMaker passes hyper-parameters as strings; the job parses `params` back (model/training/training-job.ts).
        HyperParameters: { algorithm: options.model.name, params: JSON.stringify(options.model.params) },
        OutputDataConfig: { S3OutputPath: output },
        ResourceConfig: { InstanceType: options.trainingInstanceType as never, InstanceCount: 1, VolumeSizeInGB: 10 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        Tags: [{ Key: modelVersionTagKey, Value: name }],
      },
    },
    { service: 'sagemaker', command: 'WaitForTrainingJob', input: { TrainingJobName: name, MaxWaitSeconds: 3600 } },
  ];
  return {
    beforeGate: job(gateJobName, 'training-gate', shipped.gateTrainingData),
    gateModelData: `${output}/${gateJobName}/output/model.tar.gz`,
    afterGate: [
      ...job(jobName, 'training', shipped.trainingData),
      // The archive is made in the cloud, so the job (which names its output) names the model.
      ...deploy(deployArgs(`${output}/${jobName}/output/model.tar.gz`, ['--model-name', jobName])),
    ],
  };
}
