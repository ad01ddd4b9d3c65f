/**
 * The authorization servers Gatehouse hosts: the custom server `default` at `/oauth2/default`
 * and the org server at `/oauth2`. Both sign with the same key set; their issuers differ.
 */
export type ServerId = 'default' | 'org';

export interface AuthorizationServer {
  id: ServerId;
  /** `iss` of its tokens, byte-for-byte what discovery says. */
  issuer: string;
  /** Base of its OAuth endpoints: `<issuer>/v1/...` for `default`, `<origin>/oauth2/v1/...` for org. */
  endpointBase: string;
  /** `aud` of its access tokens. */
  audience: string;
}

export function authorizationServer(publicUrl: string, id: ServerId): AuthorizationServer {
  if (id === 'default') {
    const issuer = `${publicUrl}/oauth2/default`;
    return { id, issuer, endpointBase: `${issuer}/v1`, audience: 'api://default' };
  }
  return { id, issuer: publicUrl, endpointBase: `${publicUrl}/oauth2/v1`, audience: publicUrl };
}

/** Maps the `{server}` path segment to a server; null for one Gatehouse does not host. */
export function parseServerId(segment: string | undefined): ServerId | null {
  if (segment === undefined) return 'org';
  return segment === 'default' ? 'default' : null;
}
