/**
 * Server-side SigV4 verification for InvokeEndpoint: parse Authorization, check scope,
 * key and clock, hash the raw body ourselves (the signer trusts `x-amz-content-sha256`),
 * then re-sign only the headers the client signed and compare in constant time. Hashing
 * goes through node:crypto (NodeSha256): half the cost of @aws-crypto/sha256-js per call.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { NodeSha256 } from './node-sha256.ts';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsError } from './aws-errors.ts';
import { incompleteSignature, invalidSignature, missingAuthentication, unrecognizedClient } from './aws-errors.ts';

/** What the verifier needs to know about the one key pair and scope it accepts. */
export interface SigV4VerifierOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Signing service name; `sagemaker` for the runtime. */
  service: string;
  /** Clock, injectable for tests; defaults to `Date.now`. */
  now?: () => number;
}

/** The parts of a received request that the signature covers. */
export interface SignedRequestParts {
  method: string;
  /** Path exactly as received (still percent-encoded), without the query string. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** `null` when the request is authentic, otherwise the AWS error to answer with. */
export type SigV4Verifier = (request: SignedRequestParts) => Promise<AwsError | null>;

/** How far `x-amz-date` may be from our clock, as AWS allows. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION_PATTERN = new RegExp(
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,/.source +
    /\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/.source,
);

const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `20240102T030405Z` into epoch milliseconds, or `null`. */
function parseAmzDate(value: string): number | null {
  const m = AMZ_DATE_PATTERN.exec(value);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? null : ms;
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Builds a verifier for one key pair; the signer caches derived keys across requests. */
export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  const now = options.now ?? Date.now;
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    region: options.region,
    service: options.service,
    sha256: NodeSha256,
    // Never let the signer add a header the client did not sign.
    applyChecksum: false,
  });

  return async (request) => {
    const authorization = headerValue(request.headers, 'authorization');
    if (authorization === undefined) return missingAuthentication();
    const auth = AUTHORIZATION_PATTERN.exec(authorization.trim());
    if (!auth) {
      return incompleteSignature(
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters " +
          '(AWS4-HMAC-SHA256).',
      );
    }
    const [, keyId, scopeDate, scopeRegion, scopeService, signedHeaderList, signature] = auth as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    if (scopeService !== options.service) {
      return invalidSignature(`Credential should be scoped to correct service: '${options.service}'.`);
    }
    if (keyId !== options.accessKeyId) return unrecognizedClient();
    if (scopeRegion !== options.region) {
      return invalidSignature(`Credential should be scoped to a valid region, not '${scopeRegion}'.`);
    }

    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host')) {
      return invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const rawDate = headerValue(request.headers, 'x-amz-date');
    if (rawDate === undefined || !signedHeaders.includes('x-amz-date')) {
      return incompleteSignature(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    }
    const signedAt = parseAmzDate(rawDate);
    if (signedAt === null) return incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${rawDate}'.`);
    if (rawDate.slice(0, 8) !== scopeDate) {
      return invalidSignature(
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
          `'${scopeDate}' != '${rawDate.slice(0, 8)}'.`,
      );
    }
    const current = now();
    if (signedAt < current - MAX_CLOCK_SKEW_MS) {
      return invalidSignature(
        `Signature expired: ${rawDate} is now earlier than ${amzDate(current - MAX_CLOCK_SKEW_MS)} ` +
          `(${amzDate(current)} - 5 min.)`,
      );
    }
    if (signedAt > current + MAX_CLOCK_SKEW_MS) {
      return invalidSignature(
        `Signature not yet current: ${rawDate} is still later than ${amzDate(current + MAX_CLOCK_SKEW_MS)} ` +
          `(${amzDate(current)} + 5 min.)`,
      );
    }

    // The signer would trust a payload hash header blindly, so check it against the bytes.
    const bodyHash = createHash('sha256').update(request.body).digest('hex');
    const claimedHash = headerValue(request.headers, 'x-amz-content-sha256');
    if (claimedHash !== undefined && claimedHash !== bodyHash) {
      return invalidSignature('The provided x-amz-content-sha256 header does not match what was computed.');
    }

    const headersToSign: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = headerValue(request.headers, name);
      if (value === undefined) return invalidSignature();
      headersToSign[name] = value;
    }
    // Hand the signer the hash we computed so it neither re-hashes nor trusts the client.
    if (signedHeaders.includes('x-amz-content-sha256')) headersToSign['x-amz-content-sha256'] = bodyHash;

    const resigned = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: headersToSign.host ?? '',
        path: request.path,
        query: request.query,
        headers: headersToSign,
        body: signedHeaders.includes('x-amz-content-sha256') ? undefined : request.body,
      },
      { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders) },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(resigned.headers.authorization))?.[1] ?? '';
    const expectedHeaders = /SignedHeaders=([^,]+),/.exec(String(resigned.headers.authorization))?.[1];
    const same =
      expectedHeaders === signedHeaderList &&
      expected.length === signature.length &&
      timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
    return same ? null : invalidSignature();
  };
}
