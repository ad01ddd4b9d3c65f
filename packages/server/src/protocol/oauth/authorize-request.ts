import type { App, AppsStore } from '../../storage/apps-store.js';
import { OAuthError } from './oauth-error.js';
import { parseScopes } from './scopes.js';

const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const MAX_LENGTH = 1024;
const PROMPTS = ['none', 'login'] as const;

/** Where and how `/authorize` answers once the client and its redirect URI are known good. */
export interface ResponseTarget {
  redirectUri: string;
  responseMode: 'query' | 'form_post';
  /** The app's `state`, returned as is. */
  state: string | null;
}

/** A valid authorization request (OIDC Core §3.1.2.1), as `/authorize` acts on it. */
export interface AuthorizeRequestParams {
  app: App;
  target: ResponseTarget;
  scopes: string[];
  nonce: string | null;
  /** `''` when the (confidential) app sent no PKCE challenge. */
  codeChallenge: string;
  prompt: { none: boolean; login: boolean };
  /** Seconds; null when not given. */
  maxAge: number | null;
  loginHint: string | null;
  uiLocales: string | null;
  idTokenHint: string | null;
}

/** A request refused before its redirect URI is trusted: shown as a page, never redirected. */
export class UntrustedRequestError extends Error {
  override name = 'UntrustedRequestError';
}

/** A request refused after its redirect URI is trusted: the error goes to the app. */
export class RedirectableError extends Error {
  override name = 'RedirectableError';
  constructor(
    readonly target: ResponseTarget,
    readonly error: OAuthError,
  ) {
    super(error.description);
  }
}

/**
 * Checks an authorization request in the order RFC 6749 §4.1.2.1 requires: the client and the exact
 * redirect URI first (failures are pages, never redirects: an open redirector otherwise), then
 * everything else (failures are sent to that redirect URI).
 */
export async function parseAuthorizeRequest(
  apps: AppsStore,
  params: Record<string, string>,
): Promise<AuthorizeRequestParams> {
  const clientId = params.client_id;
  const app = clientId ? await apps.findByClientId(clientId) : null;
  if (!app) throw new UntrustedRequestError('The client_id is missing or names no registered app.');
  const redirectUri = params.redirect_uri;
  if (!redirectUri || !app.redirectUris.includes(redirectUri))
    throw new UntrustedRequestError(
      "The redirect_uri is missing or is not one of the app's registered redirect URIs (they are compared byte for byte).",
    );
  const state = params.state ?? null;
  const mode = params.response_mode ?? 'query';
  const target: ResponseTarget = {
    redirectUri,
    responseMode: mode === 'form_post' ? 'form_post' : 'query',
    state: state !== null && state.length <= MAX_LENGTH ? state : null,
  };
  const refuse = (error: OAuthError['error'], description: string): never => {
    throw new RedirectableError(target, new OAuthError(error, description));
  };

  if (mode !== 'query' && mode !== 'form_post')
    refuse('invalid_request', "The 'response_mode' must be query or form_post.");
  if (state !== null && state.length > MAX_LENGTH)
    refuse('invalid_request', "The 'state' parameter is too long.");
  if (params.request !== undefined) refuse('request_not_supported', 'Request objects are not supported.');
  if (params.request_uri !== undefined)
    refuse('request_uri_not_supported', 'The request_uri parameter is not supported.');
  const responseType = params.response_type;
  if (responseType === undefined) refuse('invalid_request', "The 'response_type' parameter is required.");
  if (responseType !== 'code')
    refuse('unsupported_response_type', "The response type is not supported: only 'code' is.");
  if (!app.grantTypes.includes('authorization_code'))
    refuse('unauthorized_client', 'The client is not allowed to sign in by redirect.');

  const scopes = parseScopes(params.scope);
  if (!scopes) refuse('invalid_scope', 'One or more scopes are not configured for the authorization server.');
  if (scopes!.length === 0) refuse('invalid_scope', 'The authorization request must include a scope.');

  const challenge = params.code_challenge;
  const method = params.code_challenge_method;
  if (challenge === undefined) {
    if (method !== undefined)
      refuse('invalid_request', "A 'code_challenge_method' needs a 'code_challenge'.");
    if (app.secretHash === null || app.requirePkce)
      refuse('invalid_request', 'PKCE code challenge is required.');
  } else {
    if (method !== 'S256') refuse('invalid_request', "The 'code_challenge_method' must be S256.");
    if (!CODE_CHALLENGE.test(challenge)) refuse('invalid_request', "The 'code_challenge' is malformed.");
  }

  const nonce = params.nonce ?? null;
  for (const name of ['nonce', 'login_hint', 'ui_locales', 'id_token_hint'] as const) {
    const value = params[name];
    if (value !== undefined && value.length > (name === 'id_token_hint' ? 8192 : MAX_LENGTH))
      refuse('invalid_request', `The '${name}' parameter is too long.`);
  }

  const prompts = (params.prompt ?? '').split(' ').filter(Boolean);
  for (const value of prompts) {
    if (!(PROMPTS as readonly string[]).includes(value))
      refuse('invalid_request', `The prompt value '${value}' is not supported (none, login).`);
  }
  if (prompts.includes('none') && prompts.length > 1)
    refuse('invalid_request', 'prompt=none cannot be combined with other values.');

  let maxAge: number | null = null;
  if (params.max_age !== undefined) {
    if (!/^\d{1,10}$/.test(params.max_age))
      refuse('invalid_request', "The 'max_age' must be a number of seconds.");
    maxAge = Number(params.max_age);
  }

  return {
    app,
    target,
    scopes: scopes!,
    nonce,
    codeChallenge: challenge ?? '',
    prompt: { none: prompts.includes('none'), login: prompts.includes('login') },
    maxAge,
    loginHint: params.login_hint ?? null,
    uiLocales: params.ui_locales ?? null,
    idTokenHint: params.id_token_hint ?? null,
  };
}
