import { ValidationError, type ValidationErrorCode } from '../errors.js';
import { isRecord } from '../http.js';
import { base64UrlEncode, sha256, webCrypto } from '../pkce.js';
import type { IdTokenClaims } from '../types.js';
import type { GetKey, KeyHeader } from './jwks.js';

/**
 * WebCrypto's parameters (key import and verification) of each accepted ID token algorithm: never
 * `none`, never a symmetric one. The JWS is verified with WebCrypto itself (RFC 7515 §5.2): the
 * algorithm comes from this table, never from the key or the token.
 */
const ALGORITHMS: Record<string, { name: string; hash: string; namedCurve?: string }> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', hash: 'SHA-256', namedCurve: 'P-256' },
};

/** Signature algorithms accepted for ID tokens. */
export const ID_TOKEN_ALGORITHMS = Object.keys(ALGORITHMS);

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

/** Strict base64url (RFC 7515 §2: no padding, no other characters) to bytes. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[\w-]*$/.test(text)) throw new TypeError('not base64url');
  return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
}

/**
 * Validates an ID token like a certified relying party (OIDC Core §3.1.3.7, docs/security.md N1):
 * algorithm allowlist, signature by `kid`, `iss`, `aud`, `azp`, `exp`/`iat` with skew, `nonce`,
 * `at_hash`, and `sub` continuity after a refresh. Returns the claims or throws ValidationError.
 */
export async function validateIdToken(
  idToken: string,
  getKey: GetKey,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  // A compact JWS: three base64url parts, a JSON object header (RFC 7515 §7.1, §5.2).
  const parts = idToken.split('.');
  let header: KeyHeader;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    if (parts.length !== 3) throw new TypeError('not three parts');
    header = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[0]!)));
    signature = fromBase64Url(parts[2]!);
    if (!isRecord(header)) throw new TypeError('the header is not an object');
  } catch (err) {
    return fail('id_token_malformed', 'The ID token is not a JWS.', err);
  }
  const algorithm = ALGORITHMS[header.alg];
  if (!Object.hasOwn(ALGORITHMS, header.alg) || !algorithm)
    fail('id_token_alg', `The ID token algorithm ${String(header.alg)} is not allowed.`);
  // Extensions the SDK does not understand must be refused (RFC 7515 §4.1.11); `b64` is one (RFC 7797).
  if (header.crit !== undefined || header.b64 !== undefined)
    fail('id_token_malformed', 'The ID token has header extensions.');
  const jwk = await getKey(header);
  let key: CryptoKey | undefined;
  try {
    // Only the key material: its use, key_ops and alg were checked when it was chosen.
    const { kty, n, e, crv, x, y } = jwk;
    key = await webCrypto().subtle.importKey('jwk', { kty, n, e, crv, x, y }, algorithm!, false, ['verify']);
  } catch (err) {
    fail('id_token_kid', 'The signing key cannot be used.', err);
  }
  // RFC 7518 §3.3: RSA keys of 2048 bits or more.
  if (((key!.algorithm as { modulusLength?: number }).modulusLength ?? 2048) < 2048)
    fail('id_token_kid', 'The signing key is too short.');
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  if (
    !(await webCrypto()
      .subtle.verify(algorithm!, key!, signature, signed)
      .catch(() => false))
  )
    fail('id_token_signature', 'The ID token signature does not verify.');
  const now = (expected.now ?? Date.now()) / 1000;
  const skew = expected.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  let claims = {} as IdTokenClaims;
  try {
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[1]!)));
  } catch (err) {
    fail('id_token_malformed', 'The ID token payload is not JSON.', err);
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
