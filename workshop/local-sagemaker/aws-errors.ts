/**
 * AWS-shaped error answers for the REST-JSON SageMaker Runtime protocol: the SDK reads the
 * type from `x-amzn-errortype` and copies the body's `Message` into both `err.message`
 * and the modeled `err.Message`, so modeled errors carry `Message`. Front-door errors
 * (signature, key, throttling) are raised by AWS's shared gateway, which writes `message`.
 */
import type { ServerResponse } from 'node:http';

/** One error answer: HTTP status, the AWS error type (`undefined` = no type header), and body fields. */
export interface AwsError {
  status: number;
  type: string | undefined;
  body: Record<string, unknown>;
}

/** Writes an AWS error answer with `x-amzn-requestid`; a no-op when the client is already gone. */
export function sendAwsError(res: ServerResponse, requestId: string, error: AwsError): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(error.body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
  };
  if (error.type !== undefined) headers['x-amzn-errortype'] = error.type;
  res.writeHead(error.status, headers);
  res.end(payload);
}

/** A modeled SageMaker Runtime error (ValidationError, InternalFailure, ServiceUnavailable…). */
function modeled(status: number, type: string, message: string): AwsError {
  return { status, type, body: { Message: message } };
}

/** A gateway error (auth, throttling), written with lowercase `message` as AWS's front door does. */
function gateway(status: number, type: string, message: string): AwsError {
  return { status, type, body: { message } };
}

/** 400 ValidationError with the given message. */
export function validationError(message: string): AwsError {
  return modeled(400, 'ValidationError', message);
}

/** 400 ValidationError worded as AWS words a missing endpoint. */
export function endpointNotFound(endpointName: string, accountId: string): AwsError {
  return validationError(`Endpoint ${endpointName} of account ${accountId} not found.`);
}

/** 400 ValidationError in AWS's "1 validation error detected" form for a field constraint. */
export function constraintViolation(value: string, field: string, constraint: string): AwsError {
  return validationError(
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

/** 500 InternalFailure, the modeled "something broke inside SageMaker" answer. */
export function internalFailure(message = 'An internal failure occurred.'): AwsError {
  return modeled(500, 'InternalFailure', message);
}

/** 503 ServiceUnavailable: the endpoint cannot reach a healthy model container. */
export function serviceUnavailable(message = 'The service is unavailable. Try your call again.'): AwsError {
  return modeled(503, 'ServiceUnavailable', message);
}

/**
 * 400 ThrottlingException: SageMaker Runtime sends 400 (not 429) for throttling, per the
 * CommonErrors reference and field reports; the SDK still classifies it as throttling by name.
 */
export function throttling(message = 'Rate exceeded'): AwsError {
  return gateway(400, 'ThrottlingException', message);
}

/** 403 InvalidSignatureException with AWS's wording unless a more precise reason is given. */
export function invalidSignature(
  message = 'The request signature we calculated does not match the signature you provided. ' +
    'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
): AwsError {
  return gateway(403, 'InvalidSignatureException', message);
}

/** 403 UnrecognizedClientException: the access key id is not known. */
export function unrecognizedClient(): AwsError {
  return gateway(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
}

/** 403 MissingAuthenticationTokenException: no Authorization header at all. */
export function missingAuthentication(): AwsError {
  return gateway(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
}

/** 400 IncompleteSignatureException: an Authorization header that is not a SigV4 one. */
export function incompleteSignature(message: string): AwsError {
  return gateway(400, 'IncompleteSignatureException', message);
}

/**
 * 413 without an error type, as SageMaker answers an oversized body ("HTTP content length
 * exceeded N bytes."): SDKs see it as an unmodeled error named by its status.
 */
export function payloadTooLarge(limit: number): AwsError {
  return { status: 413, type: undefined, body: { message: `HTTP content length exceeded ${limit} bytes.` } };
}

/** 404 for a path or method the runtime does not serve. */
export function unknownOperation(): AwsError {
  return gateway(404, 'UnknownOperationException', 'Unknown operation.');
}

/** What AWS puts in a ModelError besides the message, so callers can tell the container's status. */
export interface ModelErrorDetails {
  status: number;
  body: string;
  endpointName: string;
  region: string;
  accountId: string;
}

/** Longest container body quoted in a ModelError message. */
const MODEL_MESSAGE_SNIPPET = 1024;

/**
 * 424 ModelError as AWS words it: "Received client error (400) from primary with message
 * "…". See <CloudWatch link> in account … for more information.", with the modeled
 * OriginalStatusCode, OriginalMessage and LogStreamArn.
 */
export function modelError(details: ModelErrorDetails): AwsError {
  const kind = details.status >= 400 && details.status < 500 ? 'client' : 'server';
  const snippet = details.body.slice(0, MODEL_MESSAGE_SNIPPET);
  const logGroup = `/aws/sagemaker/Endpoints/${details.endpointName}`;
  const message =
    `Received ${kind} error (${details.status}) from primary with message "${snippet}". ` +
    `See https://${details.region}.console.aws.amazon.com/cloudwatch/home?region=${details.region}` +
    `#logEventViewer:group=${logGroup} in account ${details.accountId} for more information.`;
  return {
    status: 424,
    type: 'ModelError',
    body: {
      ErrorCode: kind === 'server' ? 'SERVER_ERROR_FROM_MODEL' : 'CLIENT_ERROR_FROM_MODEL',
      Message: message,
      OriginalStatusCode: details.status,
      OriginalMessage: snippet,
      LogStreamArn: `arn:aws:logs:${details.region}:${details.accountId}:log-group:${logGroup}`,
    },
  };
}

/** 424 ModelError for a container that did not answer within the time limit (AWS reports status 0). */
export function modelTimeout(details: Omit<ModelErrorDetails, 'status' | 'body'>, timeoutMs: number): AwsError {
  return modelError({
    ...details,
    status: 0,
    body:
      `Your invocation timed out while waiting for a response from container primary. ` +
      `Limit: ${Math.round(timeoutMs / 1000)} seconds.`,
  });
}

/**
 * 429 ModelNotReadyException, InvokeEndpoint's documented "the model is not ready yet" error: what the
 * stand-in answers for a variant whose container has not yet answered `GET /ping` with 200 (real
 * SageMaker would keep such an endpoint or variant out of service).
 */
export function modelNotReady(endpointName: string, variantName: string): AwsError {
  return modeled(
    429,
    'ModelNotReadyException',
    `Model for endpoint ${endpointName} variant ${variantName} is not ready: ` +
      'its container has not answered GET /ping with 200 yet. Wait and try your request again.',
  );
}
