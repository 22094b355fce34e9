/**
 * Documented defaults of the local SageMaker Runtime stand-in. The runtime itself and
 * `npm start`'s launcher (`demo/processes.ts`) import these rather than repeating the literals;
 * the proxy does not: it only knows the endpoint URL and the credentials it is given.
 */

/** Access key id the local runtime accepts unless `LOCAL_SAGEMAKER_ACCESS_KEY_ID` says otherwise. */
export const DEFAULT_ACCESS_KEY_ID = 'local-reco-shelf';

/** Secret the local runtime accepts unless `LOCAL_SAGEMAKER_SECRET_ACCESS_KEY` says otherwise. */
export const DEFAULT_SECRET_ACCESS_KEY = 'local-reco-shelf-secret';

/** Region the local runtime signs for unless `AWS_REGION` says otherwise. */
export const DEFAULT_REGION = 'eu-west-2';

/** Endpoint name served unless `SAGEMAKER_ENDPOINT_NAME` says otherwise. */
export const DEFAULT_ENDPOINT_NAME = 'reco-shelf';

/** Port `start.ts` listens on unless `SAGEMAKER_PORT` says otherwise. */
export const DEFAULT_PORT = 8080;

/** Variant spec used unless `LOCAL_SAGEMAKER_VARIANTS` says otherwise (one variant, the container on 8081). */
export const DEFAULT_VARIANTS_SPEC = 'AllTraffic=http://127.0.0.1:8081';

/** Account id quoted in error messages and ARNs (the conventional "local" account). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** InvokeEndpoint's request payload limit: 6 MB, as the API reference states for `Body`. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** How long a container may take before the runtime gives up, as SageMaker's 60 s rule. */
export const DEFAULT_CONTAINER_TIMEOUT_MS = 60_000;

/** Delay the `slow` weather adds when `latencyMs` is not given. */
export const DEFAULT_SLOW_LATENCY_MS = 1500;
