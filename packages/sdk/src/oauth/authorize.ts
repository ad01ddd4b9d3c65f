/** The redirect sign-in's request: the `/v1/authorize` URL (authorization code + PKCE S256). */

export interface AuthorizeOptions {
  /** Your own `state` (default: 43 random characters). */
  state?: string;
  /** Your own `nonce` (default: 43 random characters). */
  nonce?: string;
  /** Default: the client's scopes. */
  scopes?: string[];
  /** Default: the client's `redirectUri`; must be registered for the app. */
  redirectUri?: string;
  /** `login` (sign in again even with a session) or `none` (no page: `login_required` without one). */
  prompt?: string;
  /** Pre-fills the username on the sign-in page. */
  loginHint?: string;
  /** Seconds: an older sign-in of the session is not reused (the user signs in again). */
  maxAge?: number;
  /** Preferred page languages, e.g. `fr de`. */
  uiLocales?: string;
}

export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  codeChallenge: string;
  prompt?: string | undefined;
  loginHint?: string | undefined;
  maxAge?: number | undefined;
  uiLocales?: string | undefined;
}

/**
 * `{authorization_endpoint}?client_id&redirect_uri&response_type=code&scope&state&nonce&code_challenge&code_challenge_method=S256[&prompt][&login_hint][&max_age][&ui_locales]`.
 */
export function createAuthorizeUrl(authorizeUrl: string, params: AuthorizeParams): string {
  const url = new URL(authorizeUrl);
  const query: Record<string, string | number | undefined> = {
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    response_type: 'code',
    scope: params.scopes.join(' '),
    state: params.state,
    nonce: params.nonce,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
    prompt: params.prompt,
    login_hint: params.loginHint,
    max_age: params.maxAge,
    ui_locales: params.uiLocales,
  };
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(key, `${value}`);
  return url.href;
}
