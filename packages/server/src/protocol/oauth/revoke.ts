import type { Clock } from '../../clock.js';
import { hashSecret } from '../../secrets.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { GrantsStore } from '../../storage/grants-store.js';
import type { AuthorizationServer } from './authorization-servers.js';
import type { ClientAuthenticator } from './client-auth.js';
import { requireParam } from './params.js';
import type { TokenIssuer } from './token-issuer.js';

export interface RevokeDeps {
  clients: ClientAuthenticator;
  grants: GrantsStore;
  events: EventsStore;
  tokens: TokenIssuer;
  clock: Clock;
}

/**
 * `POST /v1/revoke` (RFC 7009). Revoking a refresh token ends its whole grant; revoking an access
 * token ends that token. Unknown tokens and other clients' tokens are answered the same (200).
 */
export async function revoke(
  deps: RevokeDeps,
  server: AuthorizationServer,
  params: Record<string, string>,
  authorization: string | undefined,
  ip: string | null,
): Promise<void> {
  const app = await deps.clients.authenticate(params, authorization);
  const token = requireParam(params, 'token');
  const now = deps.clock.now();
  const { grants, events } = deps;

  if (token.split('.').length === 3) {
    const claims = await deps.tokens.verify(token, server.issuer, { ignoreExpiry: true });
    if (claims && typeof claims.jti === 'string' && claims.cid === app.clientId) {
      await grants.revokeAccessToken(claims.jti, now);
      await events.record(
        { type: 'app.oauth2.token.revoke', appId: app.id, ip, data: { tokenType: 'access_token' } },
        now,
      );
    }
    return;
  }
  const refreshToken = await grants.findRefreshToken(hashSecret(token));
  if (!refreshToken) return;
  const grant = await grants.findGrant(refreshToken.grantId);
  if (!grant || grant.appId !== app.id) return;
  await grants.revokeGrant(grant.id, now);
  await events.record(
    {
      type: 'app.oauth2.token.revoke',
      userId: grant.userId,
      appId: app.id,
      ip,
      data: { tokenType: 'refresh_token', grant: grant.id },
    },
    now,
  );
}
