/**
 * One `@gatehouse/sdk` client for the app (discovery and signing keys cached once), used per
 * request over that user's server-side session: tokens live in the session store, never in the
 * browser.
 */
import { type AuthClient, createAuthClient, memoryStorage, serverSessionStorage } from '@gatehouse/sdk';
import type { Request } from 'express';
import type { SampleConfig } from './config.js';

export interface SampleAuth {
  readonly redirectUri: string;
  /** The client over this request's session. */
  forRequest(req: Request): AuthClient;
}

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
    forRequest: (req) =>
      base.withStorage(serverSessionStorage(req.session as unknown as Record<string, unknown>)),
  };
}
