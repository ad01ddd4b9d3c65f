import {
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
} from '@simplewebauthn/server';
import type { PublicKeyEnrollment } from '../authenticator.js';
import type { RelyingParty } from './relying-party.js';
import type { UserVerification } from './user-verification.js';

/** How long the browser lets the user answer (ms); the ceremony itself lives a little longer. */
export const CEREMONY_TIMEOUT_MS = 300_000;

/** ES256 and RS256: what authenticators make and both Okta clients pass on (Okta's own list). */
const ALGORITHMS = [-7, -257];

const credentialsOf = (keys: readonly PublicKeyEnrollment[]) =>
  keys.map((key) => ({
    id: key.credentialId,
    transports: key.transports as AuthenticatorTransportFuture[],
  }));

export interface CreationOptionsInput {
  rp: RelyingParty;
  /** The user handle (base64url). */
  userHandle: string;
  /** The account's sign-in name and display name. */
  userName: string;
  displayName: string;
  /** The user's credentials already registered: the authenticator refuses to register one of them again. */
  existing: readonly PublicKeyEnrollment[];
  userVerification: UserVerification;
}

/**
 * W3C `PublicKeyCredentialCreationOptionsJSON` for a registration (Okta's `activationData`,
 * docs/protocol/idx-protocol-2.md §6.1): base64url challenge and user handle, the RP ID the
 * credential is bound to, no attestation asked for (`none`: no model data is kept), a
 * discoverable credential preferred.
 */
export function creationOptions(input: CreationOptionsInput): Promise<Record<string, unknown>> {
  return generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userName: input.userName,
    userDisplayName: input.displayName,
    userID: Buffer.from(input.userHandle, 'base64url'),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: credentialsOf(input.existing),
    authenticatorSelection: { residentKey: 'preferred', userVerification: input.userVerification },
    supportedAlgorithmIDs: ALGORITHMS,
  }) as unknown as Promise<Record<string, unknown>>;
}

/**
 * W3C `PublicKeyCredentialRequestOptionsJSON` for an authentication (Okta's `challengeData`,
 * docs/protocol/idx-protocol-2.md §6.4): the credentials the user may answer with (the clients
 * rebuild the same list from `authenticatorEnrollments`) and the RP ID they were registered for.
 */
export function requestOptions(
  rp: RelyingParty,
  keys: readonly PublicKeyEnrollment[],
  userVerification: UserVerification,
): Promise<Record<string, unknown>> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: credentialsOf(keys),
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification,
  }) as unknown as Promise<Record<string, unknown>>;
}
