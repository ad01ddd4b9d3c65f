import type { IntrospectionResponse } from '@gatehouse/protocol';
import type { Clock } from '../../clock.js';
import { hashSecret } from '../../secrets.js';
import type { GrantsStore } from '../../storage/grants-store.js';
import type { UsersStore } from '../../storage/users-store.js';
import type { AuthorizationServer } from './authorization-servers.js';
import type { ClientAuthenticator } from './client-auth.js';
import { requireParam } from './params.js';
import type { TokenIssuer } from './token-issuer.js';

export interface IntrospectDeps {
  clients: ClientAuthenticator;
  grants: GrantsStore;
  users: UsersStore;
  tokens: TokenIssuer;
  clock: Clock;
}

const INACTIVE: IntrospectionResponse = { active: false };

/** `POST /v1/introspect` (RFC 7662) for the calling client's own tokens. */
export async function introspect(
  deps: IntrospectDeps,
  server: AuthorizationServer,
  params: Record<string, string>,
  authorization: string | undefined,
): Promise<IntrospectionResponse> {
  const app = await deps.clients.authenticate(params, authorization);
  const token = requireParam(params, 'token');
  const { grants, users } = deps;
  const now = deps.clock.now();

  if (token.split('.').length === 3) {
    const claims = await deps.tokens.verifyAccessToken(token, server);
    if (!claims || claims.cid !== app.clientId) return INACTIVE;
    const record = await grants.findAccessToken(claims.jti);
    if (!record || record.revoked) return INACTIVE;
    const user = await users.findById(claims.uid);
    if (!user || user.status !== 'ACTIVE') return INACTIVE;
    return {
      active: true,
      scope: claims.scp.join(' '),
      client_id: app.clientId,
      username: user.login,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      sub: user.id,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
      uid: user.id,
    };
  }
  const refreshToken = await grants.findRefreshToken(hashSecret(token));
  if (
    !refreshToken ||
    refreshToken.usedAt !== null ||
    refreshToken.revokedAt !== null ||
    refreshToken.expiresAt <= now
  )
    return INACTIVE;
  const grant = await grants.findGrant(refreshToken.grantId);
  if (!grant || grant.revokedAt !== null || grant.appId !== app.id || grant.serverId !== server.id)
    return INACTIVE;
  const user = await users.findById(grant.userId);
  if (!user || user.status !== 'ACTIVE') return INACTIVE;
  return {
    active: true,
    scope: refreshToken.scopes.join(' '),
    client_id: app.clientId,
    username: user.login,
    token_type: 'refresh_token',
    exp: Math.floor(refreshToken.expiresAt / 1000),
    iat: Math.floor(refreshToken.createdAt / 1000),
    sub: user.id,
    iss: server.issuer,
    uid: user.id,
  };
}
