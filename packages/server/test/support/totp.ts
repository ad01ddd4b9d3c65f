import type { IdxResponse } from '@gatehouse/protocol';
import { Secret, TOTP } from 'otpauth';

/**
 * What a user's authenticator app does, computed in the test (RFC 6238 defaults: SHA-1, 6 digits,
 * 30 s), independent of the server's code.
 */
export function appCode(sharedSecret: string, at: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(sharedSecret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: at,
  });
}

/** A code that is none of the three the server accepts at `at` (the steps before, at and after it). */
export function wrongCode(sharedSecret: string, at: number): string {
  const taken = new Set([-30_000, 0, 30_000].map((d) => appCode(sharedSecret, at + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!taken.has(code)) return code;
  }
}

/** The shared secret an `enroll-authenticator` response shows for "Can't scan?". */
export function sharedSecretOf(body: IdxResponse): string {
  const data = body.currentAuthenticator?.value.contextualData as { sharedSecret?: unknown } | undefined;
  if (typeof data?.sharedSecret !== 'string') throw new Error(`no shared secret in ${JSON.stringify(body)}`);
  return data.sharedSecret;
}

/** The ms to add to `now` to reach the start of a later time step (so a new code is due). */
export function toNextStep(now: number, steps = 1): number {
  return (Math.floor(now / 30_000) + steps) * 30_000 - now + 1_000;
}
