/**
 * Sends a plan's steps to AWS through the SDK, one client per service, in order, and stops at
 * the first failure. `WaitForEndpoint` / `WaitForTrainingJob` poll until the resource settles
 * and, when it failed, print SageMaker's `FailureReason` (the one line that says why).
 * `--dry-run` never reaches this module: it prints the same steps instead.
 */
import { readFileSync } from 'node:fs';
import type { DeployStep } from './plan.ts';

/** Prints each step as `--dry-run` does: one pretty JSON object per request. */
export function printSteps(steps: readonly DeployStep[], write: (text: string) => void = console.log): void {
  for (const step of steps) write(JSON.stringify(step, null, 2));
}

/** Whether the endpoint exists already (DescribeEndpoint), so the plan updates rather than creates it. */
export async function endpointExists(endpointName: string, region: string | undefined): Promise<boolean> {
  const sdk = await import('@aws-sdk/client-sagemaker');
  const client = new sdk.SageMakerClient(region ? { region } : {});
  try {
    await client.send(new sdk.DescribeEndpointCommand({ EndpointName: endpointName }));
    return true;
  } catch (error) {
    if (/Could not find endpoint/i.test((error as Error).message)) return false;
    throw error;
  } finally {
    client.destroy();
  }
}

/** Client settings for one service beyond the region (tests point S3 at a local S3-compatible server). */
export interface ClientOverrides {
  s3?: Record<string, unknown>;
}

/** Sends every step; throws with the failing step's command and AWS's message (and FailureReason). */
export async function sendSteps(
  steps: readonly DeployStep[],
  region: string | undefined,
  log: (line: string) => void = console.log,
  overrides: ClientOverrides = {},
): Promise<void> {
  const config = region ? { region } : {};
  const sagemaker = await import('@aws-sdk/client-sagemaker');
  const sm = new sagemaker.SageMakerClient(config);
  const clients: { destroy(): void }[] = [sm];
  try {
    for (const step of steps) {
      switch (step.service) {
        case 's3': {
          const s3 = await import('@aws-sdk/client-s3');
          const client = new s3.S3Client({ ...config, ...overrides.s3 });
          clients.push(client);
          await client.send(new s3.PutObjectCommand({ ...step.input, Body: readFileSync(step.input.Body) }));
          break;
        }
        case 'cloudwatch': {
          const cw = await import('@aws-sdk/client-cloudwatch');
          const client = new cw.CloudWatchClient(config);
          clients.push(client);
          await client.send(new cw.PutMetricAlarmCommand(step.input));
          break;
        }
        case 'application-autoscaling': {
          const aas = await import('@aws-sdk/client-application-auto-scaling');
          const client = new aas.ApplicationAutoScalingClient(config);
          clients.push(client);
          if (step.command === 'RegisterScalableTarget')
            await client.send(new aas.RegisterScalableTargetCommand(step.input));
          else await client.send(new aas.PutScalingPolicyCommand(step.input));
          break;
        }
        case 'sagemaker':
          await sendSageMaker(sagemaker, sm, step, log);
          break;
      }
      log(`deploy: ${step.command} ok`);
    }
  } finally {
    for (const client of clients) client.destroy();
  }
}

async function sendSageMaker(
  sdk: typeof import('@aws-sdk/client-sagemaker'),
  client: InstanceType<typeof sdk.SageMakerClient>,
  step: Extract<DeployStep, { service: 'sagemaker' }>,
  log: (line: string) => void,
): Promise<void> {
  switch (step.command) {
    case 'CreateModel':
      return void (await client.send(new sdk.CreateModelCommand(step.input)));
    case 'CreateEndpointConfig':
      return void (await client.send(new sdk.CreateEndpointConfigCommand(step.input)));
    case 'CreateEndpoint':
      return void (await client.send(new sdk.CreateEndpointCommand(step.input)));
    case 'UpdateEndpoint':
      return void (await client.send(new sdk.UpdateEndpointCommand(step.input)));
    case 'UpdateEndpointWeightsAndCapacities':
      return void (await client.send(new sdk.UpdateEndpointWeightsAndCapacitiesCommand(step.input)));
    case 'CreateTrainingJob':
      return void (await client.send(new sdk.CreateTrainingJobCommand(step.input)));
    case 'WaitForEndpoint': {
      log(`deploy: waiting for ${step.input.EndpointName} to be InService (a canary bakes first)…`);
      const input = { EndpointName: step.input.EndpointName };
      try {
        await sdk.waitUntilEndpointInService({ client, maxWaitTime: step.input.MaxWaitSeconds }, input);
      } catch (error) {
        const described = await client.send(new sdk.DescribeEndpointCommand(input)).catch(() => undefined);
        throw new Error(
          `deploy: ${step.input.EndpointName} is ${described?.EndpointStatus ?? 'unknown'}: ` +
            `${described?.FailureReason ?? (error as Error).message}`,
        );
      }
      return;
    }
    case 'WaitForTrainingJob': {
      const input = { TrainingJobName: step.input.TrainingJobName };
      await sdk
        .waitUntilTrainingJobCompletedOrStopped({ client, maxWaitTime: step.input.MaxWaitSeconds }, input)
        .catch(() => undefined);
      const described = await client.send(new sdk.DescribeTrainingJobCommand(input));
      if (described.TrainingJobStatus !== 'Completed')
        throw new Error(
          `train: ${step.input.TrainingJobName} is ${described.TrainingJobStatus}: ${described.FailureReason ?? ''}`,
        );
      return;
    }
  }
}
