import type { UserInfoResponse } from '@gatehouse/protocol';
import type { AuthorizationServer } from './authorization-servers.js';
import { authenticateBearer, type BearerDeps } from './bearer-token.js';
import { profileClaims } from './token-issuer.js';

/** `GET|POST /v1/userinfo`: claims about the token's user, as its scopes allow. */
export async function userinfo(
  deps: BearerDeps,
  server: AuthorizationServer,
  authorization: string | undefined,
): Promise<UserInfoResponse> {
  const { claims, user } = await authenticateBearer(deps, server, authorization);
  return { sub: user.id, ...profileClaims(user, claims.scp) };
}
