/**
 * Who the shopper is, as far as the proxy will believe it. Only the storefront's server
 * knows who is signed in, so only its signed token names a customer: an HS256 JWT with
 * `sub` (the customer id) and `exp`, verified with `jose` — and, as configured, `iss`, `aud`
 * and an `iat` no older than a maximum age (a token copied from a log or a page replays until
 * then at most, whatever `exp` it was given). A request that names a customer
 * any other way — a raw `userId`, a token that is forged, expired, malformed, of another
 * algorithm — is answered as an anonymous shopper and counted by cause: never an error,
 * never that customer's shelf. `RECO_ALLOW_RAW_USER_IDS` keeps raw ids trusted for a
 * storefront that calls the proxy only from its own back end. See docs/contracts.md
 * "Shopper tokens".
 */
import { errors, type JWTVerifyOptions, jwtVerify } from 'jose';
import { maxShopperIdLength, printablePattern } from '../../contracts/ids.ts';

/** Why a named shopper was not believed. */
export type UntrustedCause =
  | 'raw-user-id'
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'wrong-algorithm'
  | 'bad-claims'
  | 'wrong-issuer'
  | 'wrong-audience'
  /** No `iat` while a maximum age is set: the token's age cannot be told. */
  | 'no-issued-at'
  /** Issued longer ago than the maximum age. */
  | 'too-old'
  | 'no-secret';

/** Who the proxy answers for. */
export interface ShopperIdentity {
  /** The customer id, only when a valid token (or a trusted raw id) said so. */
  userId: string | undefined;
  /** The anonymous session, when the request gave one. */
  sessionId: string | undefined;
  /** Set when the request named a customer the proxy did not believe. */
  untrusted: UntrustedCause | undefined;
}

/** What the request claimed. */
export interface ClaimedShopper {
  shopperToken?: string | undefined;
  userId?: string | undefined;
  sessionId?: string | undefined;
}

/** Tokens longer than this are not even parsed (a JWT with these claims is ~200 bytes). */
export const maxTokenLength = 2048;

/** Settings of the identity check. */
export interface ShopperIdentityOptions {
  /** `RECO_SHOPPER_TOKEN_SECRET`; unset means no token can be valid. */
  secret: string | undefined;
  /** `RECO_ALLOW_RAW_USER_IDS`: trust a raw `userId` (back-end callers only). */
  allowRawUserIds: boolean;
  /** `RECO_SHOPPER_TOKEN_ISSUER`: the `iss` a token must carry; unset: not checked. */
  issuer?: string | undefined;
  /** `RECO_SHOPPER_TOKEN_AUDIENCE`: an `aud` a token must carry; unset: not checked. */
  audience?: string | undefined;
  /** `RECO_SHOPPER_TOKEN_MAX_AGE_S`: the oldest a token may be, by its `iat` (then required); 0 or unset: any. */
  maxAgeS?: number | undefined;
  /** Whether a customer was erased (`server/privacy/erased-customers.ts`): then answered as anonymous. */
  isErased?: (userId: string) => boolean;
}

/**
 * How far the storefront server's clock may run from the proxy's: with a maximum age, jose
 * refuses an `iat` in the future, and a server a second ahead would otherwise have its fresh
 * tokens refused. It loosens `exp` as much, which a 15-minute token can spare.
 */
export const clockToleranceS = 30;

function causeOf(error: unknown): UntrustedCause {
  if (error instanceof errors.JWTExpired) return error.claim === 'iat' ? 'too-old' : 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'wrong-algorithm';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong-issuer';
    if (error.claim === 'aud') return 'wrong-audience';
    if (error.claim === 'iat' && error.reason === 'missing') return 'no-issued-at';
    return 'bad-claims';
  }
  return 'malformed';
}

/** Builds the resolver; `resolve` never throws, whatever the request holds. */
export function shopperIdentity(options: ShopperIdentityOptions) {
  const { secret, allowRawUserIds, issuer, audience, maxAgeS, isErased = () => false } = options;
  const key = secret === undefined ? undefined : new TextEncoder().encode(secret);
  const checks: JWTVerifyOptions = {
    algorithms: ['HS256'],
    requiredClaims: ['sub', 'exp'],
    clockTolerance: clockToleranceS,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    ...(maxAgeS ? { maxTokenAge: maxAgeS } : {}),
  };

  async function verify(token: string): Promise<{ userId: string } | { cause: UntrustedCause }> {
    if (!key) return { cause: 'no-secret' };
    if (token.length > maxTokenLength || token.split('.').length !== 3) return { cause: 'malformed' };
    try {
      const { payload } = await jwtVerify(token, key, checks);
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > maxShopperIdLength)
        return { cause: 'bad-claims' };
      if (!printablePattern.test(sub)) return { cause: 'bad-claims' };
      return { userId: sub };
    } catch (error) {
      return { cause: causeOf(error) };
    }
  }

  /** The customer `userId` names, unless erased: then the shopper is anonymous. */
  const customer = (userId: string, sessionId: string | undefined): ShopperIdentity =>
    isErased(userId)
      ? { userId: undefined, sessionId, untrusted: undefined }
      : { userId, sessionId, untrusted: undefined };

  return {
    isErased,
    /** Decides who the request is for: an erased customer is an anonymous shopper. */
    async resolve(claimed: ClaimedShopper): Promise<ShopperIdentity> {
      const sessionId = claimed.sessionId;
      if (claimed.shopperToken !== undefined && claimed.shopperToken !== '') {
        const verified = await verify(claimed.shopperToken);
        if ('userId' in verified) return customer(verified.userId, sessionId);
        return { userId: undefined, sessionId, untrusted: verified.cause };
      }
      if (claimed.userId !== undefined) {
        if (allowRawUserIds) return customer(claimed.userId, sessionId);
        return { userId: undefined, sessionId, untrusted: 'raw-user-id' };
      }
      return { userId: undefined, sessionId, untrusted: undefined };
    },
  };
}

/** The identity resolver. */
export type ShopperIdentityResolver = ReturnType<typeof shopperIdentity>;
