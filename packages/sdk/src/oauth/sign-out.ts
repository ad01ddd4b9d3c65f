export interface SignOutUrlParams {
  idToken?: string | undefined;
  postLogoutRedirectUri?: string | undefined;
  state?: string | undefined;
}

/** The RP-initiated logout URL: `{end_session_endpoint}?id_token_hint=…&post_logout_redirect_uri=…&state=…`. */
export function buildSignOutUrl(logoutUrl: string, params: SignOutUrlParams): string {
  const url = new URL(logoutUrl);
  if (params.idToken) url.searchParams.set('id_token_hint', params.idToken);
  if (params.postLogoutRedirectUri)
    url.searchParams.set('post_logout_redirect_uri', params.postLogoutRedirectUri);
  if (params.state) url.searchParams.set('state', params.state);
  return url.toString();
}
