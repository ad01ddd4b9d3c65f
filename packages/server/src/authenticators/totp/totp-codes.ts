import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 codes as authenticator apps make them from an `otpauth://` URI without parameters:
 * HMAC-SHA1, 6 digits, 30-second steps (docs/protocol/idx-protocol-2.md §5.2).
 */
const PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of the step before and after the current one are accepted too (clock drift, typing time). */
const WINDOW = 1;

/** A fresh 160-bit secret (RFC 4226 §4 recommends 160 bits), base32 (RFC 4648) as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/<issuer>:<login>?secret=…&issuer=<issuer>` URI an app scans. */
export function otpauthUri(secret: string, issuer: string, login: string): string {
  return new TOTP({ ...PARAMETERS, issuer, label: login, secret: Secret.fromBase32(secret) }).toString();
}

/** Six ASCII digits once spaces are removed ("123 456" is accepted), else null. */
export function normalizeTotpCode(input: string): string | null {
  const compact = input.replace(/[ \t]/g, '');
  return /^[0-9]{6}$/.test(compact) ? compact : null;
}

/** The time step (counter) whose code `code` is, within ±1 step of `now`; null when it is none of them. */
export function matchingStep(secret: string, code: string, now: number): number | null {
  const totp = new TOTP({ ...PARAMETERS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** The code of `secret` at time `at` (tests and tools; the server only checks codes). */
export function totpCode(secret: string, at: number): string {
  return TOTP.generate({ ...PARAMETERS, secret: Secret.fromBase32(secret), timestamp: at });
}
