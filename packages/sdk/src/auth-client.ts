import type { TokenResponse, UserInfoResponse } from '@gatehouse/protocol';
import { type AuthClientOptions, defaultStorage, resolveShared, type Shared } from './client-options.js';
import { GatehouseError, ValidationError } from './errors.js';
import { createIdxApi } from './idx/idx-api.js';
import type { IdxApi } from './idx/idx-types.js';
import type { AuthorizeOptions } from './oauth/authorize.js';
import { type Discovery, endpoint } from './oauth/discovery.js';
import { validateIdToken } from './oauth/id-token.js';
import { revokeToken, type TokenTypeHint } from './oauth/revoke.js';
import { buildSignOutUrl } from './oauth/sign-out.js';
import { interactionCodeGrant, refreshTokenGrant, toTokens } from './oauth/token.js';
import { fetchUserInfo } from './oauth/userinfo.js';
import { type AuthorizeRequest, createRedirectSignIn } from './redirect-sign-in.js';
import type { AuthStorage } from './storage/auth-storage.js';
import type { IdTokenClaims, SavedTransaction, Tokens } from './types.js';

/** Who signed in, from a validated ID token. */
export interface Identity {
  sub: string;
  email: string | undefined;
  emailVerified: boolean | undefined;
  name: string | undefined;
  preferredUsername: string | undefined;
  claims: IdTokenClaims;
}

export interface SignOutOptions {
  /** Must be registered for the app. */
  postLogoutRedirectUri?: string;
  state?: string;
}

/** A redirect sign-in's saved transaction (`flow: 'redirect'`) and the URL to send the browser to. */
export type { AuthorizeRequest };

export interface TokenApi {
  /** The stored tokens, if any. */
  get(): Tokens | undefined;
  /** Uses the refresh token (rotated by the server); concurrent calls share one request. */
  refresh(): Promise<Tokens>;
  /** Revokes one stored token, or (no argument) all of them and forgets them. */
  revoke(type?: TokenTypeHint): Promise<void>;
  clear(): void;
}

export interface AuthClient {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly storage: AuthStorage;
  readonly idx: IdxApi;
  readonly token: TokenApi;
  /** The issuer's checked discovery document (fetched once). */
  discover(): Promise<Discovery>;
  /** Userinfo for the stored access token; its `sub` must match the ID token's. */
  getUserInfo(): Promise<UserInfoResponse>;
  /** The RP-initiated logout URL for the stored ID token. */
  getSignOutUrl(options?: SignOutOptions): Promise<string>;
  /** Revokes the stored tokens, forgets them, and returns the logout URL to navigate to. */
  signOut(options?: SignOutOptions): Promise<string>;
  /**
   * Redirect sign-in: makes PKCE (S256), `state` and `nonce`, saves them in storage under `state`,
   * and returns the `/v1/authorize` URL with them. No navigation: usable on a server.
   */
  buildAuthorizeUrl(options?: AuthorizeOptions): Promise<AuthorizeRequest>;
  /** Browser: `buildAuthorizeUrl`, then `location.assign` to it. */
  signInWithRedirect(options?: AuthorizeOptions): Promise<void>;
  /**
   * The redirect back (`?code&state&iss`, or `?error&error_description&state`): checks `state`
   * against storage (once), `iss`, surfaces `error` as an OAuthError, redeems the code with the
   * PKCE verifier, validates the ID token (nonce included), stores and returns the tokens.
   * Default URL: `location.href`.
   */
  handleLoginRedirect(url?: string): Promise<Tokens>;
  /** Whether the URL (default `location.href`) carries a redirect sign-in's answer: `state` and `code` or `error`. */
  isLoginRedirect(url?: string): boolean;
  /** Server-side: redeems an interaction code with a saved transaction (no storage involved). */
  exchangeInteractionCode(
    context: Pick<SavedTransaction, 'codeVerifier'> &
      Partial<Pick<SavedTransaction, 'nonce' | 'redirectUri' | 'scopes'>>,
    interactionCode: string,
  ): Promise<Tokens>;
  /** Validates the ID token of a token response and returns who it is about. */
  getIdentityFromTokenResponse(
    tokens: Tokens | TokenResponse,
    options?: { nonce?: string },
  ): Promise<Identity>;
  /** The same client (shared discovery and key caches) over another storage, e.g. per request. */
  withStorage(storage: AuthStorage): AuthClient;
}

/**
 * Creates a client for one app at one issuer.
 *
 * @example
 * const auth = createAuthClient({
 *   issuer: 'https://id.example.com/oauth2/default',
 *   clientId: '0oa1example',
 *   redirectUri: 'https://app.example.com/login/callback',
 *   scopes: ['openid', 'profile', 'email'],
 * });
 * const tx = await auth.idx.authenticate({ username: 'ada@example.com', password });
 * if (tx.status === 'SUCCESS') console.log(tx.tokens?.claims?.email);
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  return buildClient(resolveShared(options), options.storage ?? defaultStorage());
}

function buildClient(shared: Shared, storage: AuthStorage): AuthClient {
  const { credentials, urls } = shared;

  /** Validates the ID token of a token set (OIDC Core §3.1.3.7) and adds its claims. */
  async function validateTokens(
    tokens: Tokens,
    expected: { nonce?: string | undefined; scopes?: string[] | undefined; previous?: Tokens | undefined },
  ): Promise<Tokens> {
    const discovery = await shared.discovery();
    const scopes = expected.scopes ?? shared.scopes;
    if (!tokens.idToken) {
      if (expected.previous?.idToken) {
        tokens.idToken = expected.previous.idToken;
        if (expected.previous.claims) tokens.claims = expected.previous.claims;
      } else if (scopes.includes('openid'))
        throw new ValidationError('invalid_token_response', 'The token response has no id_token.');
      return tokens;
    }
    tokens.claims = await validateIdToken(tokens.idToken, shared.jwks.getKey, {
      issuer: discovery.issuer,
      clientId: credentials.clientId,
      nonce: expected.nonce,
      accessToken: tokens.accessToken,
      subject: expected.previous?.claims?.sub,
      now: shared.now(),
      clockSkewSeconds: shared.clockSkewSeconds,
    });
    return tokens;
  }

  async function exchangeInteractionCode(
    context: Pick<SavedTransaction, 'codeVerifier'> &
      Partial<Pick<SavedTransaction, 'nonce' | 'redirectUri' | 'scopes'>>,
    interactionCode: string,
  ): Promise<Tokens> {
    const discovery = await shared.discovery();
    const response = await interactionCodeGrant(
      shared.fetch,
      endpoint(discovery, 'token_endpoint', urls.tokenUrl),
      credentials,
      {
        redirectUri: context.redirectUri ?? shared.redirectUri,
        codeVerifier: context.codeVerifier,
        interactionCode,
      },
    );
    const scopes = context.scopes ?? shared.scopes;
    return validateTokens(toTokens(response, scopes, shared.now()), { nonce: context.nonce, scopes });
  }

  const stored = (): Tokens => {
    const tokens = storage.getTokens();
    if (!tokens) throw new GatehouseError('no_tokens', 'No tokens are stored; sign in first.');
    return tokens;
  };

  let refreshing: Promise<Tokens> | null = null;
  async function refresh(): Promise<Tokens> {
    const previous = stored();
    if (!previous.refreshToken)
      throw new GatehouseError('no_refresh_token', 'No refresh token is stored (ask for offline_access).');
    const discovery = await shared.discovery();
    const response = await refreshTokenGrant(
      shared.fetch,
      endpoint(discovery, 'token_endpoint', urls.tokenUrl),
      credentials,
      previous.refreshToken,
    );
    const tokens = await validateTokens(toTokens(response, previous.scopes, shared.now()), {
      scopes: previous.scopes,
      previous,
    });
    if (!tokens.refreshToken) tokens.refreshToken = previous.refreshToken;
    storage.setTokens(tokens);
    return tokens;
  }

  async function revokeOne(token: string, hint: TokenTypeHint): Promise<void> {
    const discovery = await shared.discovery();
    await revokeToken(
      shared.fetch,
      endpoint(discovery, 'revocation_endpoint', urls.revokeUrl),
      credentials,
      token,
      hint,
    );
  }

  async function getSignOutUrl(options: SignOutOptions = {}): Promise<string> {
    const discovery = await shared.discovery();
    return buildSignOutUrl(endpoint(discovery, 'end_session_endpoint', urls.logoutUrl), {
      idToken: storage.getTokens()?.idToken,
      postLogoutRedirectUri: options.postLogoutRedirectUri,
      state: options.state,
    });
  }

  const redirect = createRedirectSignIn(shared, storage, validateTokens);

  const token: TokenApi = {
    get: () => storage.getTokens(),
    refresh() {
      refreshing ??= refresh().finally(() => {
        refreshing = null;
      });
      return refreshing;
    },
    async revoke(type) {
      const tokens = stored();
      if (type) {
        const value = type === 'refresh_token' ? tokens.refreshToken : tokens.accessToken;
        if (!value) throw new GatehouseError('no_tokens', `No ${type} is stored.`);
        return revokeOne(value, type);
      }
      if (tokens.refreshToken) await revokeOne(tokens.refreshToken, 'refresh_token');
      await revokeOne(tokens.accessToken, 'access_token');
      storage.removeTokens();
    },
    clear: () => storage.removeTokens(),
  };

  const client: AuthClient = {
    issuer: shared.issuer,
    clientId: credentials.clientId,
    redirectUri: shared.redirectUri,
    scopes: shared.scopes,
    storage,
    token,
    idx: createIdxApi({
      issuer: shared.issuer,
      redirectUri: shared.redirectUri,
      scopes: shared.scopes,
      credentials,
      fetch: shared.fetch,
      interactUrl: urls.interactUrl,
      introspectUrl: urls.introspectUrl,
      storage,
      now: shared.now,
      prepare: shared.discovery,
      async exchangeAndStore(tx, interactionCode) {
        const tokens = await exchangeInteractionCode(tx, interactionCode);
        storage.setTokens(tokens);
        return tokens;
      },
    }),
    discover: shared.discovery,
    async getUserInfo() {
      const tokens = stored();
      const discovery = await shared.discovery();
      return fetchUserInfo(
        shared.fetch,
        endpoint(discovery, 'userinfo_endpoint', urls.userinfoUrl),
        tokens.accessToken,
        tokens.claims?.sub,
      );
    },
    getSignOutUrl,
    async signOut(options = {}) {
      const url = await getSignOutUrl(options);
      const tokens = storage.getTokens();
      storage.removeTokens();
      // The logout endpoint ends the grant too; revocation covers servers whose logout does not.
      if (tokens) {
        const attempts = [tokens.refreshToken && revokeOne(tokens.refreshToken, 'refresh_token')];
        attempts.push(revokeOne(tokens.accessToken, 'access_token'));
        await Promise.allSettled(attempts);
      }
      return url;
    },
    ...redirect,
    exchangeInteractionCode,
    async getIdentityFromTokenResponse(tokens, options = {}) {
      const { claims } = await validateTokens(
        'accessToken' in tokens ? { ...tokens } : toTokens(tokens, ['openid'], shared.now()),
        { nonce: options.nonce, scopes: ['openid'] },
      );
      if (!claims) throw new ValidationError('invalid_token_response', 'There is no ID token.');
      return {
        sub: claims.sub,
        email: claims.email,
        emailVerified: claims.email_verified,
        name: claims.name,
        preferredUsername: claims.preferred_username,
        claims,
      };
    },
    withStorage: (other) => buildClient(shared, other),
  };
  return client;
}
