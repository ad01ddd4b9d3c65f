import type { JWK, JWTHeaderParameters } from 'jose';
import { JWKSInvalid, JWKSMultipleMatchingKeys, JWKSNoMatchingKey } from 'jose/errors';
import { assertOAuthSuccess, type FetchLike, httpRequest } from '../http.js';

/**
 * The JWK key type (and EC curve) of each ID token algorithm (id-token.ts `ID_TOKEN_ALGORITHMS`).
 * A set for these two only: jose's `createLocalJWKSet` knows every JOSE algorithm, which costs
 * the size-capped browser build more than this selection does.
 */
const KEY_TYPES: Record<string, [kty: string, crv?: string]> = { RS256: ['RSA'], ES256: ['EC', 'P-256'] };

/**
 * Whether a published key may verify a token with this header (the rules of jose's
 * `createLocalJWKSet`): its type and curve fit `alg`, same `kid` when the header names one, its
 * own `alg` (if any) is `alg`, it is for signatures (`use`, `key_ops`) and it is public.
 */
function fits(jwk: JWK, header: JWTHeaderParameters): boolean {
  const [kty, crv] = KEY_TYPES[header.alg] ?? [];
  const ops = jwk.key_ops;
  return (
    jwk.kty === kty &&
    jwk.crv === crv &&
    (header.kid === undefined || jwk.kid === header.kid) &&
    (jwk.alg === undefined || jwk.alg === header.alg) &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    (ops === undefined || (Array.isArray(ops) && ops.includes('verify'))) &&
    jwk.d === undefined
  );
}

/**
 * The server's signing keys, fetched once and kept. A token signed with a `kid` the cached set
 * does not have causes exactly one refetch (key rotation) before it is rejected (docs/security.md N1).
 * The one key that fits the token's header is handed to jose, which imports it and verifies.
 */
export class JwksCache {
  private keys: JWK[] | null = null;
  /** How many times the key set was fetched (observable for tests and diagnostics). */
  fetchCount = 0;

  // Declared and assigned in the constructor rather than parameter properties: the same object,
  // fewer bytes in the size-capped browser build.
  declare private readonly fetchFn: FetchLike;
  declare private readonly jwksUri: () => Promise<string>;

  constructor(fetchFn: FetchLike, jwksUri: () => Promise<string>) {
    this.fetchFn = fetchFn;
    this.jwksUri = jwksUri;
  }

  private async load(): Promise<JWK[]> {
    const { keys } = assertOAuthSuccess(await httpRequest(this.fetchFn, await this.jwksUri()));
    this.fetchCount++;
    if (!Array.isArray(keys) || !keys.every((k) => k && typeof k === 'object'))
      throw new JWKSInvalid('JSON Web Key Set malformed');
    this.keys = keys;
    return keys;
  }

  /** A key resolver for jose's `compactVerify`: cached keys first, one refetch on a miss. */
  readonly getKey = async (header: JWTHeaderParameters): Promise<JWK> => {
    const cached = this.keys;
    let found = (cached ?? (await this.load())).filter((k) => fits(k, header));
    if (cached && !found.length) found = (await this.load()).filter((k) => fits(k, header));
    if (found.length !== 1) throw found.length ? new JWKSMultipleMatchingKeys() : new JWKSNoMatchingKey();
    return found[0]!;
  };
}
