import type { DiscoveryDocument } from '@gatehouse/protocol';
import { ConfigurationError, ValidationError } from '../errors.js';
import { assertOAuthSuccess, type FetchLike, httpRequest } from '../http.js';
import { deriveUrls } from './urls.js';

/** The members of a discovery document the SDK reads; everything else may be missing. */
export type Discovery = Partial<DiscoveryDocument> & { issuer: string; jwks_uri: string };

/**
 * Fetches `{issuer}/.well-known/openid-configuration` and checks it: its `issuer` must equal the
 * configured issuer exactly (OIDC Discovery §4.3), `jwks_uri` must be present, and PKCE `S256`
 * must be supported when the server lists its methods.
 */
export async function fetchDiscovery(fetchFn: FetchLike, issuer: string): Promise<Discovery> {
  const { discoveryUrl, issuer: expected } = deriveUrls(issuer);
  const doc = assertOAuthSuccess(await httpRequest(fetchFn, discoveryUrl));
  if (doc.issuer !== expected)
    throw new ValidationError(
      'issuer_mismatch',
      `The discovery document names issuer ${String(doc.issuer)}, not ${expected}.`,
    );
  if (typeof doc.jwks_uri !== 'string')
    throw new ConfigurationError('The discovery document has no jwks_uri.');
  const methods = doc.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256'))
    throw new ConfigurationError('The server does not support PKCE S256.');
  return doc as Discovery;
}

/** The endpoint a discovery document names, else the one derived from the issuer. */
export function endpoint(discovery: Discovery, name: keyof DiscoveryDocument, derived: string): string {
  const value = discovery[name];
  return typeof value === 'string' ? value : derived;
}
