import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';

/**
 * The name a new credential gets until the user renames it, from what its transports say it is
 * (no attestation is asked for, so the model is unknown): "Built-in authenticator" (a platform
 * passkey: Touch ID, Windows Hello, Android), "Passkey on another device" (a phone, by QR code),
 * "Security key" otherwise; numbered when the user has one of that name already.
 */
export function defaultCredentialName(
  transports: readonly AuthenticatorTransportFuture[],
  taken: readonly string[],
): string {
  const base = transports.includes('internal')
    ? 'Built-in authenticator'
    : transports.includes('hybrid') || transports.includes('cable')
      ? 'Passkey on another device'
      : 'Security key';
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base} ${n}`)) return `${base} ${n}`;
}
