import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * The bytes of a WebAuthn member as the clients post it: both Okta clients send standard base64
 * with padding, others base64url; both alphabets and missing padding are accepted
 * (docs/protocol/idx-protocol-2.md §6.2, §6.5). Null: not base64 at all, or empty.
 */
export function decodeBase64(value: string | undefined): Buffer | null {
  if (value === undefined || value.length === 0 || !BASE64.test(value)) return null;
  const bare = value.replace(/=+$/, '');
  // A lone trailing character carries fewer than 8 bits: no base64 encoder writes it.
  if (bare.length % 4 === 1) return null;
  const bytes = Buffer.from(bare.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length > 0 ? bytes : null;
}

/** The same value re-encoded as base64url (what `@simplewebauthn/server` reads); null: not base64. */
export function toBase64Url(value: string | undefined): string | null {
  return decodeBase64(value)?.toString('base64url') ?? null;
}

const TRANSPORTS: ReadonlySet<string> = new Set([
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
]);

/**
 * The transports a client reported at registration: a JSON-encoded array (`"[\"internal\"]"`, what
 * both Okta clients send), or a comma-separated list. Only the names WebAuthn defines are kept;
 * anything else reads as none (they are hints).
 */
export function parseTransports(value: string | undefined): AuthenticatorTransportFuture[] {
  if (!value) return [];
  let names: unknown;
  try {
    names = JSON.parse(value);
  } catch {
    names = value.split(',').map((name) => name.trim());
  }
  if (!Array.isArray(names)) return [];
  const known = names.filter((name): name is AuthenticatorTransportFuture => TRANSPORTS.has(String(name)));
  return [...new Set(known)];
}
