import { hashSecret } from '../../secrets.js';
import type { Services } from '../../services.js';
import type { AuthorizationServer } from './authorization-servers.js';
import { authenticateClient } from './client-auth.js';
import { requireParam } from './params.js';

/**
 * `POST /v1/revoke` (RFC 7009). Revoking a refresh token ends its whole grant; revoking an access
 * token ends that token. Unknown tokens and other clients' tokens are answered the same (200).
 */
export async function revoke(
  services: Services,
  server: AuthorizationServer,
  params: Record<string, string>,
  authorization: string | undefined,
  ip: string | null,
): Promise<void> {
  const app = await authenticateClient(services.storage.apps, params, authorization);
  const token = requireParam(params, 'token');
  const now = services.clock.now();
  const { grants, events } = services.storage;

  if (token.split('.').length === 3) {
    const claims = await services.tokens.verify(token, server.issuer, { ignoreExpiry: true });
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
