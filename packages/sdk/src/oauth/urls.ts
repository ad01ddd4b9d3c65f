/**
 * URLs derived from the issuer the way the Okta clients derive them (docs/protocol/idx-protocol.md §2):
 * `oauthBase` is the issuer when it contains `/oauth2`, else `issuer + '/oauth2'`; IDX lives at
 * the part before `/oauth2`.
 */
export interface IssuerUrls {
  issuer: string;
  discoveryUrl: string;
  interactUrl: string;
  /** `/v1/authorize`: the redirect sign-in (authorization code + PKCE). */
  authorizeUrl: string;
  introspectUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  revokeUrl: string;
  logoutUrl: string;
}

export function trimIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}

export function deriveUrls(configured: string): IssuerUrls {
  const issuer = trimIssuer(configured);
  const oauthBase = issuer.indexOf('/oauth2') > 0 ? issuer : `${issuer}/oauth2`;
  const domain = issuer.split('/oauth2')[0] ?? issuer;
  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    interactUrl: `${oauthBase}/v1/interact`,
    authorizeUrl: `${oauthBase}/v1/authorize`,
    introspectUrl: `${domain}/idp/idx/introspect`,
    tokenUrl: `${oauthBase}/v1/token`,
    userinfoUrl: `${oauthBase}/v1/userinfo`,
    revokeUrl: `${oauthBase}/v1/revoke`,
    logoutUrl: `${oauthBase}/v1/logout`,
  };
}
