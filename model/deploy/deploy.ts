/**
 * `npm run model:deploy -- …`: deploys the artifact to a SageMaker real-time endpoint, or
 * shifts traffic between its variants. `--dry-run` prints the exact requests and touches no AWS.
 *
 *   --image URI --model-data s3://…/model.tar.gz --role ARN   (the new model)
 *   --endpoint reco-shelf  --model-name NAME (default reco-shelf-<modelVersion>)
 *   --variant NAME=MODEL:WEIGHT (repeatable; MODEL `new` = this model; default AllTraffic=new:1)
 *   --instance-type ml.c6i.large --instance-count 1 --config-name NAME --update --region R
 *   --shift-weights champion=0.2,challenger=0.8   (roll-out: only UpdateEndpointWeightsAndCapacities)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { awsRegion, sagemakerEndpointName } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';
import { defaultModelDir } from '../shipped-config.ts';
import { deploymentPlan, parseVariant, shiftWeightsPlan, type DeployStep } from './plan.ts';

/** Builds the plan from CLI arguments; `now` names the endpoint config. Exported for the tests. */
export function planFromArgs(
  argv: string[],
  now = new Date(),
): { steps: DeployStep[]; dryRun: boolean; region?: string; update: boolean } {
  // The environment gives defaults for --endpoint and --region; a flag wins over it.
  const fromEnv = readEnvironment(
    'deploy',
    { endpoint: 'reco-shelf', region: undefined as string | undefined },
    { SAGEMAKER_ENDPOINT_NAME: ['endpoint', sagemakerEndpointName], AWS_REGION: ['region', awsRegion] },
  );
  const { values } = parseArgs({
    args: argv,
    options: {
      'dry-run': { type: 'boolean', default: false },
      endpoint: { type: 'string', default: fromEnv.endpoint },
      image: { type: 'string', default: '' },
      'model-data': { type: 'string', default: '' },
      role: { type: 'string', default: '' },
      'model-name': { type: 'string' },
      'model-dir': { type: 'string', default: defaultModelDir },
      variant: { type: 'string', multiple: true, default: [] },
      'instance-type': { type: 'string', default: 'ml.c6i.large' },
      'instance-count': { type: 'string', default: '1' },
      'config-name': { type: 'string' },
      update: { type: 'boolean', default: false },
      'shift-weights': { type: 'string' },
      region: { type: 'string' },
    },
  });
  const region = values.region ?? fromEnv.region;
  const base = { dryRun: values['dry-run'], update: values.update, ...(region ? { region } : {}) };
  if (values['shift-weights'] !== undefined) {
    const weights = Object.fromEntries(
      values['shift-weights'].split(',').map((pair) => {
        const [name = '', weight = ''] = pair.split('=');
        return [name.trim(), Number(weight)];
      }),
    );
    return { ...base, steps: shiftWeightsPlan(values.endpoint, weights) };
  }
  let modelName = values['model-name'];
  if (modelName === undefined) {
    const manifestPath = join(values['model-dir'], 'manifest.json');
    if (!existsSync(manifestPath)) throw new Error(`deploy: no --model-name and no artifact at ${manifestPath}`);
    modelName =
      `reco-shelf-${(JSON.parse(readFileSync(manifestPath, 'utf8')) as { modelVersion: string }).modelVersion}`.slice(
        0,
        63,
      );
  }
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const steps = deploymentPlan({
    endpointName: values.endpoint,
    modelName,
    image: values.image,
    modelDataUrl: values['model-data'],
    roleArn: values.role,
    instanceType: values['instance-type'],
    instanceCount: Number(values['instance-count']),
    variants:
      values.variant.length > 0 ? values.variant.map(parseVariant) : [{ name: 'AllTraffic', model: 'new', weight: 1 }],
    endpointConfigName: values['config-name'] ?? `${values.endpoint}-${stamp}`.slice(0, 63),
    update: values.update,
  });
  return { ...base, steps };
}

/** Sends the plan; without `--update`, asks DescribeEndpoint whether to create or update. */
async function send(steps: DeployStep[], region: string | undefined, update: boolean): Promise<void> {
  const sdk = await import('@aws-sdk/client-sagemaker');
  const client = new sdk.SageMakerClient(region ? { region } : {});
  for (let step of steps) {
    if (step.command === 'CreateEndpoint' && !update) {
      const exists = await client.send(new sdk.DescribeEndpointCommand({ EndpointName: step.input.EndpointName })).then(
        () => true,
        (error: Error) => (/Could not find endpoint/i.test(error.message) ? false : Promise.reject(error)),
      );
      if (exists)
        step = {
          command: 'UpdateEndpoint',
          input: { EndpointName: step.input.EndpointName, EndpointConfigName: step.input.EndpointConfigName },
        };
    }
    const commands = {
      CreateModel: sdk.CreateModelCommand,
      CreateEndpointConfig: sdk.CreateEndpointConfigCommand,
      CreateEndpoint: sdk.CreateEndpointCommand,
      UpdateEndpoint: sdk.UpdateEndpointCommand,
      UpdateEndpointWeightsAndCapacities: sdk.UpdateEndpointWeightsAndCapacitiesCommand,
    };
    const Command = commands[step.command] as unknown as new (input: unknown) => Parameters<typeof client.send>[0];
    const output = await client.send(new Command(step.input));
    console.log(`deploy: ${step.command} ok ${JSON.stringify(output).slice(0, 200)}`);
  }
  console.log('deploy: sent; the endpoint is InService when `aws sagemaker describe-endpoint` says so');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { steps, dryRun, region, update } = planFromArgs(process.argv.slice(2));
    if (dryRun) {
      for (const step of steps) console.log(JSON.stringify(step, null, 2));
      console.log(
        `deploy: dry run, ${steps.length} request(s) not sent${update || steps[0]?.command === 'UpdateEndpointWeightsAndCapacities' ? '' : ' (CreateEndpoint becomes UpdateEndpoint when the endpoint exists)'}`,
      );
    } else await send(steps, region, update);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
