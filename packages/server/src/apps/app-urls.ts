import { ValidationError } from '../errors.js';

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** An absolute https URL (http only on loopback) without a fragment, kept byte for byte. */
export function assertRedirectUri(uri: string, field: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(field, `${uri} is not an absolute URL`);
  }
  if (url.hash || uri.includes('#')) throw new ValidationError(field, `${uri} must not have a fragment`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ValidationError(
      field,
      `${uri} must use https (http is allowed only for localhost and 127.0.0.1)`,
    );
  return uri;
}

/** `scheme://host[:port]` exactly, as browsers send it in `Origin`. */
export function assertOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ValidationError('trustedOrigins', `${origin} is not an origin`);
  }
  if (url.origin !== origin)
    throw new ValidationError('trustedOrigins', `${origin} is not an origin (expected ${url.origin})`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ValidationError(
      'trustedOrigins',
      `${origin} must use https (http is allowed only for localhost and 127.0.0.1)`,
    );
  return origin;
}
