/**
 * The SageMaker control-plane requests of a deployment, built as plain data so `--dry-run`
 * prints exactly what a real run sends: CreateModel (for the new artifact), CreateEndpointConfig
 * with one or more weighted production variants (A/B), then CreateEndpoint or UpdateEndpoint.
 * A roll-out after that is UpdateEndpointWeightsAndCapacities: no new instances, only weights.
 */
import type {
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  UpdateEndpointInput,
  UpdateEndpointWeightsAndCapacitiesInput,
} from '@aws-sdk/client-sagemaker';

/** One production variant: `model` is a model name, or `new` for the model this deployment creates. */
export interface VariantSpec {
  name: string;
  model: string;
  weight: number;
}

/** Everything a deployment needs. */
export interface DeploySpec {
  endpointName: string;
  modelName: string;
  image: string;
  modelDataUrl: string;
  roleArn: string;
  instanceType: string;
  instanceCount: number;
  variants: VariantSpec[];
  endpointConfigName: string;
  /** true: the endpoint exists, switch it to the new config (UpdateEndpoint); false: CreateEndpoint. */
  update: boolean;
}

/** One request, named by its SDK command. */
export type DeployStep =
  | { command: 'CreateModel'; input: CreateModelInput }
  | { command: 'CreateEndpointConfig'; input: CreateEndpointConfigInput }
  | { command: 'CreateEndpoint'; input: CreateEndpointInput }
  | { command: 'UpdateEndpoint'; input: UpdateEndpointInput }
  | { command: 'UpdateEndpointWeightsAndCapacities'; input: UpdateEndpointWeightsAndCapacitiesInput };

const namePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function checkName(kind: string, name: string): void {
  if (!namePattern.test(name)) throw new Error(`deploy: ${kind} "${name}" must be 1-63 letters, digits or hyphens`);
}

/** Parses `NAME=MODEL:WEIGHT` (MODEL may be `new`). */
export function parseVariant(text: string): VariantSpec {
  const match = /^([^=]+)=([^:]+):([0-9.]+)$/.exec(text);
  if (!match) throw new Error(`deploy: --variant must look like NAME=MODEL:WEIGHT, got "${text}"`);
  const weight = Number(match[3]);
  if (!(weight >= 0)) throw new Error(`deploy: variant weight must be a number >= 0, got "${match[3]}"`);
  return { name: match[1]!, model: match[2]!, weight };
}

/** The requests of a deployment, in the order they must be sent. */
export function deploymentPlan(spec: DeploySpec): DeployStep[] {
  checkName('endpoint name', spec.endpointName);
  checkName('model name', spec.modelName);
  checkName('endpoint config name', spec.endpointConfigName);
  if (spec.variants.length === 0) throw new Error('deploy: at least one production variant is needed');
  if (new Set(spec.variants.map((v) => v.name)).size !== spec.variants.length)
    throw new Error('deploy: variant names must differ');
  if (!spec.variants.some((v) => v.weight > 0)) throw new Error('deploy: at least one variant needs a weight above 0');
  for (const v of spec.variants) checkName('variant name', v.name);

  const steps: DeployStep[] = [];
  if (spec.variants.some((v) => v.model === 'new')) {
    if (!spec.image || !spec.modelDataUrl || !spec.roleArn)
      throw new Error('deploy: a new model needs --image, --model-data and --role');
    if (!spec.modelDataUrl.startsWith('s3://'))
      throw new Error(`deploy: --model-data must be an s3:// URL, got "${spec.modelDataUrl}"`);
    steps.push({
      command: 'CreateModel',
      input: {
        ModelName: spec.modelName,
        ExecutionRoleArn: spec.roleArn,
        PrimaryContainer: { Image: spec.image, ModelDataUrl: spec.modelDataUrl, Mode: 'SingleModel' },
      },
    });
  }
  steps.push({
    command: 'CreateEndpointConfig',
    input: {
      EndpointConfigName: spec.endpointConfigName,
      ProductionVariants: spec.variants.map((v) => ({
        VariantName: v.name,
        ModelName: v.model === 'new' ? spec.modelName : v.model,
        InstanceType: spec.instanceType as never,
        InitialInstanceCount: spec.instanceCount,
        InitialVariantWeight: v.weight,
      })),
    },
  });
  const endpoint = { EndpointName: spec.endpointName, EndpointConfigName: spec.endpointConfigName };
  steps.push(
    spec.update ? { command: 'UpdateEndpoint', input: endpoint } : { command: 'CreateEndpoint', input: endpoint },
  );
  return steps;
}

/** The request that shifts traffic between existing variants, e.g. `{ champion: 0.5, challenger: 0.5 }`. */
export function shiftWeightsPlan(endpointName: string, weights: Record<string, number>): DeployStep[] {
  checkName('endpoint name', endpointName);
  const entries = Object.entries(weights);
  if (entries.length === 0) throw new Error('deploy: --shift-weights needs NAME=WEIGHT pairs');
  for (const [name, weight] of entries) {
    checkName('variant name', name);
    if (!(weight >= 0)) throw new Error(`deploy: weight of ${name} must be >= 0`);
  }
  return [
    {
      command: 'UpdateEndpointWeightsAndCapacities',
      input: {
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: entries.map(([VariantName, DesiredWeight]) => ({ VariantName, DesiredWeight })),
      },
    },
  ];
}
