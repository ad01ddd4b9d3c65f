import { compactVerify, type JWTVerifyGetKey } from 'jose';
// Classes one by one (the `errors` namespace would put every jose error class in the browser build).
import {
  JOSEAlgNotAllowed,
  JOSEError,
  JWKSMultipleMatchingKeys,
  JWKSNoMatchingKey,
  JWSSignatureVerificationFailed,
} from 'jose/errors';
import { ValidationError, type ValidationErrorCode } from '../errors.js';
import { isRecord } from '../http.js';
import { base64UrlEncode, sha256 } from '../pkce.js';
import type { IdTokenClaims } from '../types.js';

/** Signature algorithms accepted for ID tokens: never `none`, never a symmetric one. */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256'];

export const DEFAULT_CLOCK_SKEW_SECONDS = 120;

export interface IdTokenExpectations {
  /** The issuer from the (checked) discovery document. */
  issuer: string;
  clientId: string;
  /** The nonce sent at `/interact`; checked when given. */
  nonce?: string | undefined;
  /** The access token of the same response; `at_hash` is checked against it when present. */
  accessToken?: string | undefined;
  /** After a refresh: the `sub` of the original ID token (OIDC Core §12.2). */
  subject?: string | undefined;
  /** Epoch milliseconds; defaults to `Date.now()`. */
  now?: number | undefined;
  clockSkewSeconds?: number | undefined;
}

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the access token (RS256, ES256). */
export async function computeAtHash(accessToken: string): Promise<string> {
  return base64UrlEncode((await sha256(accessToken)).slice(0, 16));
}

const fail = (code: ValidationErrorCode, message: string, cause?: unknown): never => {
  throw new ValidationError(code, message, cause === undefined ? undefined : { cause });
};

function mapJoseError(err: unknown): never {
  if (err instanceof JWSSignatureVerificationFailed)
    fail('id_token_signature', 'The ID token signature does not verify.', err);
  if (err instanceof JWKSNoMatchingKey || err instanceof JWKSMultipleMatchingKeys)
    fail('id_token_kid', 'No single signing key matches the ID token header.', err);
  if (err instanceof JOSEAlgNotAllowed) fail('id_token_alg', 'The ID token algorithm is not allowed.', err);
  if (err instanceof JOSEError) fail('id_token_malformed', `The ID token is malformed (${err.code}).`, err);
  throw err;
}

/**
 * Validates an ID token like a certified relying party (OIDC Core §3.1.3.7, docs/security.md N1):
 * algorithm allowlist, signature by `kid`, `iss`, `aud`, `azp`, `exp`/`iat` with skew, `nonce`,
 * `at_hash`, and `sub` continuity after a refresh. Returns the claims or throws ValidationError.
 */
export async function validateIdToken(
  idToken: string,
  getKey: JWTVerifyGetKey,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  let alg: unknown;
  try {
    // The protected header of the compact JWS (base64url JSON); jose checks the rest of the form.
    const header = JSON.parse(atob(idToken.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/')));
    if (!isRecord(header)) throw new TypeError('The protected header is not an object.');
    alg = header.alg;
  } catch (err) {
    fail('id_token_malformed', 'The ID token is not a JWS.', err);
  }
  if (typeof alg !== 'string' || !ID_TOKEN_ALGORITHMS.includes(alg))
    fail('id_token_alg', `The ID token algorithm ${String(alg)} is not allowed.`);

  const now = (expected.now ?? Date.now()) / 1000;
  const skew = expected.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  let claims = {} as IdTokenClaims;
  try {
    // jose checks the JWS: the algorithm allowlist and the signature with the key chosen by kid.
    const { payload } = await compactVerify(idToken, getKey, { algorithms: ID_TOKEN_ALGORITHMS });
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (err) {
    if (err instanceof SyntaxError) fail('id_token_malformed', 'The ID token payload is not JSON.', err);
    mapJoseError(err);
  }
  if (!claims || typeof claims !== 'object')
    fail('id_token_malformed', 'The ID token payload is not an object.');
  if (claims.iss !== expected.issuer) fail('id_token_issuer', 'The ID token was issued by another issuer.');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.clientId))
    fail('id_token_audience', 'The ID token is meant for another client.');
  if (typeof claims.exp !== 'number') fail('id_token_claims', 'The ID token has no exp.');
  if (claims.exp <= now - skew) fail('id_token_expired', 'The ID token has expired.');
  if (typeof claims.iat !== 'number' || claims.iat > now + skew)
    fail('id_token_iat', 'The ID token has no iat or was issued in the future.');
  if (typeof claims.nbf === 'number' && claims.nbf > now + skew)
    fail('id_token_claims', 'The ID token is not valid yet.');
  if (typeof claims.sub !== 'string' || !claims.sub) fail('id_token_claims', 'The ID token has no subject.');
  if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp === undefined)
    fail('id_token_azp', 'The ID token has several audiences and no azp.');
  if (claims.azp !== undefined && claims.azp !== expected.clientId)
    fail('id_token_azp', 'The ID token was issued to another party (azp).');
  if (claims.auth_time !== undefined && typeof claims.auth_time !== 'number')
    fail('id_token_claims', 'The ID token auth_time is not a number.');
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce)
    fail('id_token_nonce', 'The ID token nonce does not match the one of the transaction.');
  if (expected.subject !== undefined && claims.sub !== expected.subject)
    fail('id_token_sub', 'The refreshed ID token is about another user.');
  if (claims.at_hash !== undefined && expected.accessToken !== undefined) {
    if (claims.at_hash !== (await computeAtHash(expected.accessToken)))
      fail('id_token_at_hash', 'The ID token at_hash does not match the access token.');
  }
  return claims;
}
