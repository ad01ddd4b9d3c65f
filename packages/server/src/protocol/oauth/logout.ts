import type { Clock } from '../../clock.js';
import type { AppsStore } from '../../storage/apps-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { GrantsStore } from '../../storage/grants-store.js';
import type { AuthorizationServer } from './authorization-servers.js';
import type { TokenIssuer } from './token-issuer.js';

export interface LogoutDeps {
  apps: AppsStore;
  grants: GrantsStore;
  events: EventsStore;
  tokens: TokenIssuer;
  clock: Clock;
}

export type LogoutOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'signed-out' }
  | { kind: 'error'; message: string };

/**
 * `GET /v1/logout` (RP-initiated logout): ends the grant named by the ID token's `sid` (its access
 * and refresh tokens stop working) and returns to `post_logout_redirect_uri` only when that URI is
 * registered for the token's app, byte for byte.
 */
export async function logout(
  deps: LogoutDeps,
  server: AuthorizationServer,
  params: Record<string, string>,
): Promise<LogoutOutcome> {
  const hint = params.id_token_hint;
  const redirect = params.post_logout_redirect_uri;
  if (!hint) {
    return redirect
      ? { kind: 'error', message: 'A post_logout_redirect_uri needs an id_token_hint.' }
      : { kind: 'signed-out' };
  }
  const claims = await deps.tokens.verify(hint, server.issuer, { ignoreExpiry: true });
  if (!claims || typeof claims.aud !== 'string')
    return { kind: 'error', message: 'The id_token_hint is not valid.' };
  const app = await deps.apps.findByClientId(claims.aud);
  if (!app) return { kind: 'error', message: 'The id_token_hint is not valid.' };
  const now = deps.clock.now();
  if (typeof claims.sid === 'string') {
    const grant = await deps.grants.findGrant(claims.sid);
    if (grant && grant.appId === app.id && grant.revokedAt === null) {
      await deps.grants.revokeGrant(grant.id, now);
      await deps.events.record(
        { type: 'user.session.end', userId: grant.userId, appId: app.id, data: { grant: grant.id } },
        now,
      );
    }
  }
  if (!redirect) return { kind: 'signed-out' };
  if (!app.postLogoutRedirectUris.includes(redirect))
    return { kind: 'error', message: 'The post_logout_redirect_uri is not registered for this app.' };
  const location = new URL(redirect);
  if (params.state) location.searchParams.set('state', params.state);
  return { kind: 'redirect', location: location.toString() };
}
