import type { TokenResponse } from '@gatehouse/protocol';
import type { ServerId } from './authorization-servers.js';
import type { ClientAuthenticator } from './client-auth.js';
import type { GrantHandler } from './grants/grant-handler.js';
import { OAuthError } from './oauth-error.js';
import { requireParam } from './params.js';

/**
 * `POST /v1/token`: one prologue for every grant (a grant type this server has, an authenticated
 * client, a client allowed to use that grant), then the grant's own handler from the table.
 */
export class TokenEndpoint {
  constructor(
    private readonly clients: ClientAuthenticator,
    private readonly grants: Readonly<Record<string, GrantHandler>>,
  ) {}

  async token(
    serverId: ServerId,
    params: Record<string, string>,
    authorization: string | undefined,
    ip: string | null,
  ): Promise<TokenResponse> {
    const grantType = requireParam(params, 'grant_type');
    const handler = Object.hasOwn(this.grants, grantType) ? this.grants[grantType] : undefined;
    if (!handler)
      throw new OAuthError('unsupported_grant_type', `The grant type '${grantType}' is not supported.`);
    const app = await this.clients.authenticate(params, authorization);
    if (!app.grantTypes.includes(grantType))
      throw new OAuthError('unauthorized_client', `The client is not allowed to use the ${grantType} grant.`);
    return handler({ serverId, app, params, ip });
  }
}
