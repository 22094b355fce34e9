/**
 * Parsers for the kinds of value more than one process reads from its environment. Each
 * takes the variable's text and says, when it refuses it, what the value must be.
 */
import { z } from 'zod';
import { secret } from './read-environment.ts';

/** A whole number in `min..max`; the message says `must be <what>` for anything else. */
export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number') =>
  z
    .string()
    .regex(/^\d+$/, `must be ${what}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** A TCP port, 0..65535 (0: the system picks a free one). */
export const port = wholeNumber(0, 65535, 'a port number 0..65535');

/** A TCP port another process can be pointed at, 1..65535 (0 would not say where). */
export const fixedPort = wholeNumber(1, 65535, 'a port number 1..65535');

/** Any non-empty text: a path, a host name, a secret. */
export const nonEmptyText = z.string().min(1, 'must not be empty');

/** An absolute http:// or https:// URL. */
export const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

/**
 * `true` or `false`: the one spelling of every yes-or-no variable. `1` and `0`, which a variable
 * once took, are refused with the word to write instead, so a kept env file fails plainly at start.
 */
export const trueOrFalse = z.string().transform((value, ctx): boolean => {
  if (value === 'true' || value === 'false') return value === 'true';
  const instead = value === '1' ? ': write true, not 1' : value === '0' ? ': write false, not 0' : '';
  ctx.addIssue({ code: 'custom', message: `must be true or false${instead}` });
  return z.NEVER;
});

/** A pino log level. */
export const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
  message: 'must be one of trace, debug, info, warn, error, fatal, silent',
});

/** A SageMaker endpoint name: letters, digits and inner hyphens, at most 63 characters. */
export const sagemakerEndpointName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker endpoint name');

/** An AWS region such as `eu-west-2`. */
export const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-2');

/** A secret key: at least 32 bytes (HS256's key size), compared or hashed as UTF-8 bytes. */
export const secretKey = secret(z.string().refine((key) => Buffer.byteLength(key) >= 32, 'must be at least 32 bytes'));
