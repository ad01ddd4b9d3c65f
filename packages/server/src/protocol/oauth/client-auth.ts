import { type Limit, limitReached, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import { hashSecret, safeEqual } from '../../secrets.js';
import type { App, AppsStore } from '../../storage/apps-store.js';
import { OAuthError } from './oauth-error.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | undefined;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** Client id and secret from `Authorization: Basic` (RFC 6749 §2.3.1) or the form body. */
export function readClientCredentials(
  params: Record<string, string>,
  authorization: string | undefined,
): ClientCredentials {
  if (authorization?.toLowerCase().startsWith('basic ')) {
    let decoded: string;
    try {
      decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    } catch {
      throw new OAuthError('invalid_client', 'Client authentication failed.', { wwwAuthenticate: 'Basic' });
    }
    const colon = decoded.indexOf(':');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw new OAuthError('invalid_client', 'Client authentication failed.', { wwwAuthenticate: 'Basic' });
      }
    };
    const clientId = decode(colon === -1 ? decoded : decoded.slice(0, colon));
    if (clientId.includes('\0'))
      throw new OAuthError('invalid_client', 'Client authentication failed.', { wwwAuthenticate: 'Basic' });
    const clientSecret = colon === -1 ? undefined : decode(decoded.slice(colon + 1)) || undefined;
    if (params.client_id && params.client_id !== clientId)
      throw new OAuthError(
        'invalid_request',
        'client_id in the body does not match the Authorization header.',
      );
    if (params.client_secret)
      throw new OAuthError('invalid_request', 'Use one client authentication method, not two.');
    return { clientId, clientSecret, method: 'client_secret_basic' };
  }
  const clientId = params.client_id;
  if (!clientId) throw new OAuthError('invalid_client', 'Client authentication failed: no client_id.');
  return {
    clientId,
    clientSecret: params.client_secret,
    method: params.client_secret ? 'client_secret_post' : 'none',
  };
}

/**
 * Authenticates the client: a confidential app must present its secret; a public app (PKCE alone)
 * must not present one. Unknown clients and wrong secrets get the same `invalid_client`.
 */
export async function authenticateClient(
  apps: AppsStore,
  params: Record<string, string>,
  authorization: string | undefined,
): Promise<App> {
  const credentials = readClientCredentials(params, authorization);
  // Built only when thrown: an error captures a stack trace, wasted on every successful request.
  const failure = () =>
    new OAuthError(
      'invalid_client',
      'Client authentication failed.',
      credentials.method === 'client_secret_basic' ? { wwwAuthenticate: 'Basic realm="gatehouse"' } : {},
    );
  const app = await apps.findByClientId(credentials.clientId);
  if (!app) throw failure();
  if (app.secretHash === null) {
    if (credentials.clientSecret !== undefined) throw failure();
    return app;
  }
  if (
    credentials.clientSecret === undefined ||
    !safeEqual(hashSecret(credentials.clientSecret), app.secretHash)
  )
    throw failure();
  return app;
}

export interface ClientAuthenticatorDeps {
  apps: AppsStore;
  limiter: RateLimiter;
  /** Failed authentications allowed per client id and window. */
  limit: Limit;
}

/**
 * Client authentication with a throttle against secret guessing: failed authentications that
 * present a secret are counted per client id (known or not), and once they reach the limit the
 * client is refused with RATE_LIMITED, even with the right secret, until the window ends. Requests
 * without a secret (public clients) guess nothing and are not counted.
 */
export class ClientAuthenticator {
  constructor(private readonly deps: ClientAuthenticatorDeps) {}

  async authenticate(params: Record<string, string>, authorization: string | undefined): Promise<App> {
    const { apps, limiter, limit } = this.deps;
    const credentials = readClientCredentials(params, authorization);
    if (credentials.clientSecret === undefined) return authenticateClient(apps, params, authorization);
    const key = `client-auth-fail:${credentials.clientId.slice(0, 200)}`;
    const throttled = await limitReached(limiter, key, limit);
    if (throttled) throw throttled;
    try {
      return await authenticateClient(apps, params, authorization);
    } catch (err) {
      if (err instanceof OAuthError && err.error === 'invalid_client') await limiter.hit(key, limit);
      throw err;
    }
  }
}
