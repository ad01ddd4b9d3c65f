import { ConfigurationError } from './errors.js';

/** WebCrypto, or a ConfigurationError (browsers expose it only in secure contexts: https or localhost). */
export function webCrypto(): Crypto {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle || typeof c.getRandomValues !== 'function')
    throw new ConfigurationError(
      'WebCrypto is not available: serve the page over https or from localhost (a secure context).',
    );
  return c;
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function randomBytes(length: number): Uint8Array {
  return webCrypto().getRandomValues(new Uint8Array(length));
}

/** A URL-safe random string of `bytes` random bytes (32 bytes → 43 characters, 256 bits). */
export const randomString = (bytes = 32): string => base64UrlEncode(randomBytes(bytes));

/** RFC 7636 §4.1: 32 random bytes, base64url → a 43-character verifier (256 bits of entropy). */
export const generateCodeVerifier = (): string => randomString(32);

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await webCrypto().subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** RFC 7636 §4.2 S256: BASE64URL(SHA256(ASCII(code_verifier))). `plain` is never used. */
export async function calculateCodeChallenge(verifier: string): Promise<string> {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
    throw new TypeError('a PKCE code verifier is 43–128 characters of [A-Za-z0-9._~-]');
  return base64UrlEncode(await sha256(verifier));
}

export interface Pkce {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export async function createPkce(): Promise<Pkce> {
  const codeVerifier = generateCodeVerifier();
  return {
    codeVerifier,
    codeChallenge: await calculateCodeChallenge(codeVerifier),
    codeChallengeMethod: 'S256',
  };
}
