import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelError, ModelNotReadyException, ServiceUnavailable } from '@aws-sdk/client-sagemaker-runtime';
import { ContractError, classifyUpstreamError } from './upstream-errors.ts';

const metadata = (status: number) => ({ $metadata: { httpStatusCode: status } });

describe('upstream error classification', () => {
  it('calls it a timeout when our own deadline fired, whatever the SDK named it', () => {
    assert.deepEqual(classifyUpstreamError(Object.assign(new Error('aborted'), { name: 'AbortError' }), true), {
      reason: 'timeout',
      label: 'deadline',
    });
  });

  it('marks what the request caused (validation, too large, a container 4xx) for the breaker to ignore', () => {
    const refused = [
      Object.assign(new Error('bad'), { name: 'ValidationError', ...metadata(400) }),
      Object.assign(new Error('too big'), { name: 'PayloadTooLarge', ...metadata(413) }),
      new ModelError({ message: 'client error (400)', OriginalStatusCode: 400, $metadata: { httpStatusCode: 424 } }),
    ];
    for (const error of refused) {
      assert.deepEqual(classifyUpstreamError(error, false), {
        reason: 'error',
        label: 'request-refused',
        causedByRequest: true,
      });
    }
    const sick = new ModelError({
      message: 'server error (500)',
      OriginalStatusCode: 500,
      $metadata: { httpStatusCode: 424 },
    });
    assert.equal(classifyUpstreamError(sick, false).causedByRequest, undefined);
  });

  it('treats throttling and a model that is not ready as "throttled"', () => {
    assert.equal(
      classifyUpstreamError(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', ...metadata(400) }),
        false,
      ).reason,
      'throttled',
    );
    const notReady = new ModelNotReadyException({ message: 'not ready', $metadata: { httpStatusCode: 429 } });
    assert.deepEqual(classifyUpstreamError(notReady, false), { reason: 'throttled', label: 'model-not-ready' });
  });

  it('sorts model errors, 5xx, broken contracts, resets and refusals into "error", each with its own label', () => {
    assert.equal(
      classifyUpstreamError(new ModelError({ message: 'boom', $metadata: { httpStatusCode: 424 } }), false).label,
      'model-error',
    );
    assert.equal(
      classifyUpstreamError(new ServiceUnavailable({ message: 'down', $metadata: { httpStatusCode: 503 } }), false)
        .label,
      'server-error',
    );
    assert.equal(classifyUpstreamError(new ContractError('bad'), false).label, 'bad-contract');
    assert.equal(
      classifyUpstreamError(Object.assign(new Error('reset'), { name: 'TimeoutError', code: 'ECONNRESET' }), false)
        .label,
      'connection-reset',
    );
    assert.equal(
      classifyUpstreamError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), false).label,
      'connection-refused',
    );
    assert.equal(
      classifyUpstreamError(
        Object.assign(new Error('sig'), { name: 'InvalidSignatureException', ...metadata(403) }),
        false,
      ).label,
      'auth',
    );
  });

  it('calls missing credentials "not-configured"', () => {
    assert.equal(
      classifyUpstreamError(Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }), false).reason,
      'not-configured',
    );
  });
});
