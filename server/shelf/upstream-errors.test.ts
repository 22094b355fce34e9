import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelError, ModelNotReadyException, ServiceUnavailable } from '@aws-sdk/client-sagemaker-runtime';
import { pino } from 'pino';
import { ConfigErrorReport, ContractError, classifyUpstreamError, configErrorLogEveryMs } from './upstream-errors.ts';

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
  });

  it('calls missing credentials "not-configured"', () => {
    assert.equal(
      classifyUpstreamError(Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }), false).reason,
      'not-configured',
    );
  });

  it('tells configuration errors apart: unknown endpoint or variant, access denied, bad or missing credentials', () => {
    const aws = (name: string, message: string, status: number) =>
      Object.assign(new Error(message), { name, ...metadata(status) });
    const cases: Array<[Error, string, boolean]> = [
      // The local stand-in's wording, which is AWS's.
      [aws('ValidationError', 'Endpoint recco of account 123456789012 not found.', 400), 'endpoint-not-found', false],
      [
        aws('ValidationError', 'Variant blue not found for endpoint reco of account 123456789012.', 400),
        'variant-not-found',
        true,
      ],
      [
        aws('AccessDeniedException', 'User is not authorized to perform: sagemaker:InvokeEndpoint', 403),
        'access-denied',
        false,
      ],
      [
        aws('UnrecognizedClientException', 'The security token included in the request is invalid.', 403),
        'bad-credentials',
        false,
      ],
      [
        aws('InvalidSignatureException', 'The request signature we calculated does not match', 403),
        'bad-credentials',
        false,
      ],
      [
        aws('ExpiredTokenException', 'The security token included in the request is expired', 400),
        'bad-credentials',
        false,
      ],
      [aws('Forbidden', 'forbidden', 403), 'access-denied', false],
    ];
    for (const [error, kind, ignoredByBreaker] of cases) {
      const failure = classifyUpstreamError(error, false);
      assert.equal(failure.configError, kind, error.message);
      assert.equal(failure.label, kind);
      assert.equal(failure.causedByRequest === true, ignoredByBreaker, `${kind}: counted by the breaker?`);
    }
    const missing = classifyUpstreamError(
      Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }),
      false,
    );
    assert.deepEqual(missing, { reason: 'not-configured', label: 'no-credentials', configError: 'no-credentials' });
    const refused = classifyUpstreamError(
      aws('ValidationError', '1 validation error detected: Value too long', 400),
      false,
    );
    assert.equal(refused.configError, undefined, 'a request the endpoint refused is not a configuration error');
  });

  it('counts every configuration error and logs each kind once a minute, with how many came between', () => {
    const lines: Array<{ kind: string; sinceLastLog: number }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let now = 0;
    const counted: string[] = [];
    const report = new ConfigErrorReport({ count: (kind) => counted.push(kind), logger, now: () => now });
    const notFound = new Error('Endpoint recco of account 123456789012 not found.');
    for (let i = 0; i < 500; i++) {
      report.record('endpoint-not-found', notFound);
      now += 100;
    }
    report.record('bad-credentials', new Error('The security token included in the request is invalid.'));
    assert.equal(counted.length, 501);
    // 500 calls over 50 s: the first is logged at once, the rest wait for the minute.
    assert.deepEqual(
      lines.map((l) => [l.kind, l.sinceLastLog]),
      [
        ['endpoint-not-found', 1],
        ['bad-credentials', 1],
      ],
    );
    now += configErrorLogEveryMs;
    report.record('endpoint-not-found', notFound);
    assert.deepEqual(lines.at(-1) && [lines.at(-1)!.kind, lines.at(-1)!.sinceLastLog], ['endpoint-not-found', 500]);
  });
});
