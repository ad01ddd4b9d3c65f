import type { TokenResponse } from '@gatehouse/protocol';
import { ValidationError } from '../errors.js';
import { assertOAuthSuccess, type FetchLike, FORM_HEADERS, formBody, httpRequest } from '../http.js';
import type { Tokens } from '../types.js';
import { type ClientCredentials, clientParams } from './client-auth.js';

export interface InteractionCodeGrant {
  redirectUri: string;
  codeVerifier: string;
  interactionCode: string;
}

async function tokenRequest(
  fetchFn: FetchLike,
  tokenUrl: string,
  params: Record<string, string | undefined>,
): Promise<TokenResponse> {
  const json = assertOAuthSuccess(
    await httpRequest(fetchFn, tokenUrl, { method: 'POST', headers: FORM_HEADERS, body: formBody(params) }),
  );
  if (typeof json.access_token !== 'string' || !json.access_token)
    throw new ValidationError('invalid_token_response', 'The token response has no access_token.');
  if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer')
    throw new ValidationError('invalid_token_response', 'The token response is not a Bearer token.');
  if (json.id_token !== undefined && typeof json.id_token !== 'string')
    throw new ValidationError('invalid_token_response', 'The token response id_token is not a string.');
  return json as unknown as TokenResponse;
}

/**
 * `POST /v1/token` with `grant_type=interaction_code` and the PKCE verifier
 * (docs/protocol/idx-protocol.md §5.3).
 */
export function interactionCodeGrant(
  fetchFn: FetchLike,
  tokenUrl: string,
  client: ClientCredentials,
  grant: InteractionCodeGrant,
): Promise<TokenResponse> {
  return tokenRequest(fetchFn, tokenUrl, {
    ...clientParams(client),
    grant_type: 'interaction_code',
    redirect_uri: grant.redirectUri,
    code_verifier: grant.codeVerifier,
    interaction_code: grant.interactionCode,
  });
}

export interface AuthorizationCodeGrant {
  redirectUri: string;
  codeVerifier: string;
  code: string;
}

/** `POST /v1/token` with `grant_type=authorization_code` and the PKCE verifier (RFC 6749 §4.1.3, RFC 7636). */
export function authorizationCodeGrant(
  fetchFn: FetchLike,
  tokenUrl: string,
  client: ClientCredentials,
  grant: AuthorizationCodeGrant,
): Promise<TokenResponse> {
  return tokenRequest(fetchFn, tokenUrl, {
    ...clientParams(client),
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
    code_verifier: grant.codeVerifier,
  });
}

/** `POST /v1/token` with `grant_type=refresh_token` (the server rotates the refresh token). */
export function refreshTokenGrant(
  fetchFn: FetchLike,
  tokenUrl: string,
  client: ClientCredentials,
  refreshToken: string,
  scopes?: string[],
): Promise<TokenResponse> {
  return tokenRequest(fetchFn, tokenUrl, {
    ...clientParams(client),
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    scope: scopes?.join(' '),
  });
}

/** The SDK's token set from a token response (claims are added once the ID token is validated). */
export function toTokens(response: TokenResponse, requestedScopes: string[], nowMs: number): Tokens {
  const expiresIn = typeof response.expires_in === 'number' ? response.expires_in : 3600;
  return {
    tokenType: 'Bearer',
    accessToken: response.access_token,
    ...(response.id_token ? { idToken: response.id_token } : {}),
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    scopes: typeof response.scope === 'string' ? response.scope.split(' ').filter(Boolean) : requestedScopes,
    expiresAt: Math.floor(nowMs / 1000) + expiresIn,
  };
}
