import type { GrantsStore } from '../../storage/grants-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';
import type { AuthorizationServer } from './authorization-servers.js';
import { OAuthError } from './oauth-error.js';
import type { AccessTokenClaims, TokenIssuer } from './token-issuer.js';

const BEARER = 'Bearer realm="gatehouse"';

export interface BearerDeps {
  tokens: TokenIssuer;
  grants: GrantsStore;
  users: UsersStore;
}

/**
 * Validates an access token presented to a resource endpoint of this server: our signature, this
 * server's issuer and audience, not expired, not revoked, user still active.
 */
export async function authenticateBearer(
  deps: BearerDeps,
  server: AuthorizationServer,
  authorization: string | undefined,
): Promise<{ claims: AccessTokenClaims; user: User }> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization ?? '');
  if (!match)
    throw new OAuthError('invalid_token', 'An access token is required.', { wwwAuthenticate: BEARER });
  const invalid = () =>
    new OAuthError('invalid_token', 'The access token is invalid.', {
      wwwAuthenticate: `${BEARER}, error="invalid_token", error_description="The access token is invalid"`,
    });
  const claims = await deps.tokens.verifyAccessToken(match[1]!, server);
  if (!claims) throw invalid();
  const record = await deps.grants.findAccessToken(claims.jti);
  if (!record || record.revoked) throw invalid();
  const user = await deps.users.findById(claims.uid);
  if (!user || user.status !== 'ACTIVE') throw invalid();
  return { claims, user };
}
