/**
 * One `@gatehouse/sdk` client for the app (discovery and signing keys cached once), used per
 * request over that user's server-side session: tokens live in the session store, never in the
 * browser. Both ways of signing in use it: the embedded widget (the interaction code comes back to
 * /login/callback) and the redirect to Gatehouse's hosted page (the authorization code comes back
 * to /authorization-code/callback).
 */
import { type AuthClient, createAuthClient, memoryStorage, serverSessionStorage } from '@gatehouse/sdk';
import type { Request } from 'express';
import type { SampleConfig } from './config.js';

export interface SampleAuth {
  /** Where the widget's interaction code comes back (embedded sign-in). */
  readonly redirectUri: string;
  /** Where Gatehouse's hosted page sends the authorization code back (redirect sign-in). */
  readonly authorizationCodeRedirectUri: string;
  /** The client over this request's session. */
  forRequest(req: Request): AuthClient;
  /** A client over storage of its own, in memory (nothing in any user's session). */
  withoutSession(): AuthClient;
}

/** The redirect sign-in's callback route (registered as a redirect URI of the app in Gatehouse). */
export const AUTHORIZATION_CODE_CALLBACK = '/authorization-code/callback';

export function createSampleAuth(config: SampleConfig, now: () => number = Date.now): SampleAuth {
  const redirectUri = `${config.appUrl}/login/callback`;
  // The shared client's own storage is never used: every call goes through forRequest().
  const base = createAuthClient({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri,
    scopes: config.scopes,
    storage: memoryStorage(),
    now,
  });
  return {
    redirectUri,
    authorizationCodeRedirectUri: `${config.appUrl}${AUTHORIZATION_CODE_CALLBACK}`,
    forRequest: (req) =>
      base.withStorage(serverSessionStorage(req.session as unknown as Record<string, unknown>)),
    withoutSession: () => base.withStorage(memoryStorage()),
  };
}
