import { OAuthError } from '../../errors.js';
import type { Services } from '../../services.js';
import type { User } from '../../storage/users-store.js';
import type { AuthorizationServer } from './authorization-servers.js';
import type { AccessTokenClaims } from './token-issuer.js';

const BEARER = 'Bearer realm="gatehouse"';

/**
 * Validates an access token presented to a resource endpoint of this server: our signature, this
 * server's issuer and audience, not expired, not revoked, user still active.
 */
export async function authenticateBearer(
  services: Services,
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
  const claims = await services.tokens.verifyAccessToken(match[1]!, server);
  if (!claims) throw invalid();
  const record = await services.storage.grants.findAccessToken(claims.jti);
  if (!record || record.revoked) throw invalid();
  const user = await services.storage.users.findById(claims.uid);
  if (!user || user.status !== 'ACTIVE') throw invalid();
  return { claims, user };
}
