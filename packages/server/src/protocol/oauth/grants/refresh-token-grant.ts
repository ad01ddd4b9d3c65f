import type { TokenResponse } from '@gatehouse/protocol';
import type { Clock } from '../../../clock.js';
import { hashSecret } from '../../../secrets.js';
import type { EventsStore } from '../../../storage/events-store.js';
import type { GrantsStore } from '../../../storage/grants-store.js';
import type { UsersStore } from '../../../storage/users-store.js';
import type { AuthorizationServer, ServerId } from '../authorization-servers.js';
import { OAuthError } from '../oauth-error.js';
import { requireParam } from '../params.js';
import { parseScopes } from '../scopes.js';
import type { TokenIssuer } from '../token-issuer.js';
import { clampRefreshExpiry, type GrantHandler, type GrantRequest } from './grant-handler.js';

export interface RefreshTokenGrantDeps {
  grants: GrantsStore;
  users: UsersStore;
  events: EventsStore;
  tokens: TokenIssuer;
  clock: Clock;
  server(id: ServerId): AuthorizationServer;
}

/** `grant_type=refresh_token`: rotation on every use; a rotated-out token coming back ends the family. */
export function refreshTokenGrant(deps: RefreshTokenGrantDeps): GrantHandler {
  return async ({ serverId, app, params, ip }: GrantRequest): Promise<TokenResponse> => {
    const { grants, users, events, clock } = deps;
    const presented = requireParam(params, 'refresh_token');
    const tokenHash = hashSecret(presented);
    const now = clock.now();
    const invalid = () => new OAuthError('invalid_grant', 'The refresh token is invalid or expired.');

    const known = await grants.findRefreshToken(tokenHash);
    if (!known) throw invalid();
    const grant = await grants.findGrant(known.grantId);
    // Another client's token is refused without being burned.
    if (!grant || grant.appId !== app.id || grant.serverId !== serverId) throw invalid();

    const requested = params.scope !== undefined ? parseScopes(params.scope) : known.scopes;
    if (!requested || !requested.every((s) => known.scopes.includes(s)))
      throw new OAuthError('invalid_scope', 'The requested scope is wider than the one originally granted.');

    const current = await grants.consumeRefreshToken(tokenHash, now);
    if (!current) {
      if (known.usedAt !== null && known.revokedAt === null && grant.revokedAt === null) {
        // A rotated-out token came back: someone holds a copy. End the whole family (RFC 9700 §4.14.2).
        await grants.revokeGrant(grant.id, now);
        await events.record(
          {
            type: 'app.oauth2.refresh_token.reuse',
            userId: grant.userId,
            appId: app.id,
            ip,
            data: { grant: grant.id },
          },
          now,
        );
      }
      throw invalid();
    }
    if (grant.revokedAt !== null || grant.expiresAt <= now) throw invalid();
    const user = await users.findById(grant.userId);
    if (!user || user.status !== 'ACTIVE') throw invalid();

    const issued = await deps.tokens.issue({
      server: deps.server(serverId),
      app,
      user,
      grantId: grant.id,
      sessionId: grant.sessionId,
      scopes: requested,
      nonce: null,
      authTime: grant.authTime,
      amr: grant.amr,
      withRefreshToken: true,
    });
    if (issued.records.refreshToken) issued.records.refreshToken.scopes = known.scopes;
    await grants.addTokens(grant.id, now, clampRefreshExpiry(issued.records, grant.expiresAt), {
      type: 'app.oauth2.token.grant',
      userId: user.id,
      appId: app.id,
      ip,
      data: { grant: grant.id, grantType: 'refresh_token' },
    });
    return issued.response;
  };
}
