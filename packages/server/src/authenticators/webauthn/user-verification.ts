import type { AppPolicy } from '../../storage/apps-store.js';

export type UserVerification = 'preferred' | 'required';

/**
 * Whether a passkey of this app must verify its user (a PIN or biometrics, the UV flag). Preferred
 * by default; required when the app says so, and whenever the policy can be met by `key` alone
 * (passkey only, `--policy webauthn`): the passkey is then both factors, something the user has
 * and something they know or are, so a passkey that only tests presence is not enough.
 */
export function userVerificationFor(policy: AppPolicy, key: string): UserVerification {
  if (policy.webauthnUserVerification === 'required') return 'required';
  const alone = policy.requirements.every((requirement) => requirement.anyOf.includes(key));
  return alone ? 'required' : 'preferred';
}
