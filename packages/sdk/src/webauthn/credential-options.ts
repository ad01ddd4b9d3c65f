import type { IdxAuthenticator, IdxResponse } from '@gatehouse/protocol';
import { base64ToBytes } from './base64.js';

/** A credential the user already has, as the server lists it in `authenticatorEnrollments`. */
export interface KnownCredential {
  /** base64url */
  credentialId: string;
  transports?: string[] | undefined;
}

type Options = Record<string, unknown>;

const WEBAUTHN = 'webauthn';

/** The user's WebAuthn credentials the response lists (`authenticatorEnrollments`, key `webauthn`). */
export function knownCredentials(response: IdxResponse): KnownCredential[] {
  const enrollments: IdxAuthenticator[] = response.authenticatorEnrollments?.value ?? [];
  return enrollments
    .filter((e) => e.key === WEBAUTHN && typeof e.credentialId === 'string')
    .map((e) => ({ credentialId: e.credentialId as string, transports: e.transports }));
}

const descriptor = (credential: KnownCredential): PublicKeyCredentialDescriptor => ({
  type: 'public-key',
  id: base64ToBytes(credential.credentialId),
  ...(Array.isArray(credential.transports)
    ? { transports: credential.transports as AuthenticatorTransport[] }
    : {}),
});

/**
 * `navigator.credentials.create({ publicKey })` options from the enrollment's `activationData`
 * (docs/protocol/idx-protocol-2.md §6.1): the challenge and user handle decoded to bytes, the
 * credentials the user has excluded (from `authenticatorEnrollments`, as Okta's clients do), and
 * only the members the W3C defines (never `extensions` or `u2fParams`).
 */
export function buildCredentialCreationOptions(
  activationData: Options,
  existing: readonly KnownCredential[] = [],
): PublicKeyCredentialCreationOptions {
  const user = activationData.user as { id: string; name: string; displayName: string };
  const selection = activationData.authenticatorSelection as AuthenticatorSelectionCriteria | undefined;
  return {
    rp: activationData.rp as PublicKeyCredentialRpEntity,
    user: { id: base64ToBytes(user.id), name: user.name, displayName: user.displayName },
    challenge: base64ToBytes(activationData.challenge as string),
    pubKeyCredParams: activationData.pubKeyCredParams as PublicKeyCredentialParameters[],
    ...(selection ? { authenticatorSelection: selection } : {}),
    ...(typeof activationData.attestation === 'string'
      ? { attestation: activationData.attestation as AttestationConveyancePreference }
      : {}),
    ...(typeof activationData.timeout === 'number' ? { timeout: activationData.timeout } : {}),
    excludeCredentials: existing.map(descriptor),
  };
}

/**
 * `navigator.credentials.get({ publicKey })` options from a challenge's `challengeData`
 * (docs/protocol/idx-protocol-2.md §6.4): the challenge decoded, the user's credentials allowed.
 */
export function buildCredentialRequestOptions(
  challengeData: Options,
  allowed: readonly KnownCredential[] = [],
): PublicKeyCredentialRequestOptions {
  return {
    challenge: base64ToBytes(challengeData.challenge as string),
    ...(typeof challengeData.userVerification === 'string'
      ? { userVerification: challengeData.userVerification as UserVerificationRequirement }
      : {}),
    ...(typeof challengeData.rpId === 'string' ? { rpId: challengeData.rpId } : {}),
    ...(typeof challengeData.timeout === 'number' ? { timeout: challengeData.timeout } : {}),
    allowCredentials: allowed.map(descriptor),
  };
}

/**
 * The options a WebAuthn step of `response` asks for: creation options at an enrollment
 * (`activationData`), request options at a challenge (`challengeData`); undefined elsewhere.
 */
export function credentialOptionsFrom(
  response: IdxResponse,
): { create: PublicKeyCredentialCreationOptions } | { get: PublicKeyCredentialRequestOptions } | undefined {
  const current = response.currentAuthenticator?.value;
  if (current?.key !== WEBAUTHN) return undefined;
  const data = current.contextualData ?? {};
  const known = knownCredentials(response);
  if (data.activationData)
    return { create: buildCredentialCreationOptions(data.activationData as Options, known) };
  if (data.challengeData) return { get: buildCredentialRequestOptions(data.challengeData as Options, known) };
  return undefined;
}
