import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
import { JWKSNoMatchingKey } from 'jose/errors';
import { assertOAuthSuccess, type FetchLike, httpRequest } from '../http.js';

/**
 * The server's signing keys, fetched once and kept. A token signed with a `kid` the cached set
 * does not have causes exactly one refetch (key rotation) before it is rejected (docs/security.md N1).
 */
export class JwksCache {
  private keySet: JWTVerifyGetKey | null = null;
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

  private async load(): Promise<JWTVerifyGetKey> {
    const jwks = assertOAuthSuccess(await httpRequest(this.fetchFn, await this.jwksUri()));
    this.fetchCount++;
    this.keySet = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
    return this.keySet;
  }

  /** A key resolver for `jwtVerify`: cached keys first, one refetch on a miss. */
  readonly getKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    const cached = this.keySet;
    const keySet = cached ?? (await this.load());
    try {
      return await keySet(header, token);
    } catch (err) {
      if (!cached || !(err instanceof JWKSNoMatchingKey)) throw err;
      return (await this.load())(header, token);
    }
  };
}
