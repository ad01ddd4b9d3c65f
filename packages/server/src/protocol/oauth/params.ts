import { OAuthError } from './oauth-error.js';

/**
 * Reads OAuth parameters from a form body (and the query string, which some server SDKs use for
 * the token request). Every value must be a single string: a repeated parameter is refused
 * (RFC 6749 §3.1) rather than silently picking one.
 */
export function readParams(body: unknown, query: unknown): Record<string, string> {
  const params: Record<string, string> = {};
  for (const source of [query, body]) {
    if (source === undefined || source === null || source === '') continue;
    if (typeof source !== 'object' || Array.isArray(source))
      throw new OAuthError('invalid_request', 'The request parameters are malformed.');
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (Array.isArray(value) || Object.hasOwn(params, key))
        throw new OAuthError('invalid_request', `The parameter '${key}' is repeated.`);
      if (typeof value !== 'string')
        throw new OAuthError('invalid_request', `The parameter '${key}' must be a string.`);
      // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the store.
      if (value.includes('\0'))
        throw new OAuthError('invalid_request', `The parameter '${key}' contains a NUL character.`);
      if (value !== '') params[key] = value;
    }
  }
  return params;
}

export function requireParam(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new OAuthError('invalid_request', `The '${name}' parameter is required.`);
  return value;
}
