import type { Clock } from '../../clock.js';
import type { LiveSession, SsoSessions } from '../../identity/sso-sessions.js';
import type { App, AppsStore } from '../../storage/apps-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { GrantsStore } from '../../storage/grants-store.js';
import type { SessionsStore } from '../../storage/sessions-store.js';
import type { AuthorizationServer } from './authorization-servers.js';
import type { TokenIssuer } from './token-issuer.js';

export interface LogoutDeps {
  apps: AppsStore;
  grants: GrantsStore;
  events: EventsStore;
  tokens: TokenIssuer;
  clock: Clock;
  sessions: SessionsStore;
  ssoSessions: SsoSessions;
}

export type LogoutOutcome =
  | { kind: 'redirect'; location: string; endedBrowserSession: boolean }
  | { kind: 'signed-out'; endedBrowserSession: boolean }
  /** No `id_token_hint` and the browser has a session: the user is asked (a CSRF-protected form). */
  | { kind: 'confirm'; session: LiveSession; params: Record<string, string> }
  | { kind: 'error'; message: string };

/**
 * `/v1/logout` (OpenID RP-Initiated Logout 1.0). With a valid `id_token_hint`, it ends what the
 * token's `sid` names (a hosted sign-in's SSO session and its grants, or an embedded sign-in's
 * grant) and the browser's own session when it is the same user's. Without one, a browser with a
 * session is asked to confirm first (`confirmed`), so another site cannot sign the user out.
 * `post_logout_redirect_uri` is followed only when registered, byte for byte, for the token's app
 * (or, without a token, for `client_id`'s), with `state` added.
 */
export async function logout(
  deps: LogoutDeps,
  server: AuthorizationServer,
  params: Record<string, string>,
  browser: LiveSession | null,
  confirmed = false,
): Promise<LogoutOutcome> {
  const hint = params.id_token_hint;
  const now = deps.clock.now();
  let app: App | null = null;
  let endedBrowserSession = false;
  if (hint) {
    const claims = await deps.tokens.verify(hint, server.issuer, { ignoreExpiry: true });
    if (!claims || typeof claims.aud !== 'string' || typeof claims.sub !== 'string')
      return { kind: 'error', message: 'The id_token_hint is not valid.' };
    app = await deps.apps.findByClientId(claims.aud);
    if (!app) return { kind: 'error', message: 'The id_token_hint is not valid.' };
    if (params.client_id && params.client_id !== app.clientId)
      return { kind: 'error', message: 'The client_id does not match the id_token_hint.' };
    if (typeof claims.sid === 'string') await endNamed(deps, app, claims.sub, claims.sid, now);
    if (browser && browser.user.id === claims.sub) {
      await deps.ssoSessions.end(browser.session, 'logout');
      endedBrowserSession = true;
    }
  } else {
    if (params.client_id) {
      app = await deps.apps.findByClientId(params.client_id);
      if (!app) return { kind: 'error', message: 'The client_id names no registered app.' };
    }
    if (params.post_logout_redirect_uri && !app)
      return { kind: 'error', message: 'A post_logout_redirect_uri needs an id_token_hint or a client_id.' };
    if (browser && !confirmed) return { kind: 'confirm', session: browser, params };
    if (browser) {
      await deps.ssoSessions.end(browser.session, 'logout');
      endedBrowserSession = true;
    }
  }
  const redirect = params.post_logout_redirect_uri;
  if (!redirect) return { kind: 'signed-out', endedBrowserSession };
  if (!app?.postLogoutRedirectUris.includes(redirect))
    return { kind: 'error', message: 'The post_logout_redirect_uri is not registered for this app.' };
  const location = new URL(redirect);
  if (params.state) location.searchParams.set('state', params.state);
  return { kind: 'redirect', location: location.toString(), endedBrowserSession };
}

/** Ends what an ID token's `sid` names: an SSO session (with its grants) or one grant. */
async function endNamed(
  deps: LogoutDeps,
  app: App,
  subject: string,
  sid: string,
  now: number,
): Promise<void> {
  const session = await deps.sessions.findById(sid);
  if (session) {
    if (session.userId === subject) await deps.ssoSessions.end(session, 'logout');
    return;
  }
  const grant = await deps.grants.findGrant(sid);
  if (grant && grant.appId === app.id && grant.revokedAt === null) {
    await deps.grants.revokeGrant(grant.id, now);
    await deps.events.record(
      { type: 'user.session.end', userId: grant.userId, appId: app.id, data: { grant: grant.id } },
      now,
    );
  }
}
