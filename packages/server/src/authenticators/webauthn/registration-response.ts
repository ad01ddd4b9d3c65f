import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { decodeAttestationObject, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { Answer } from '../authenticator.js';
import { parseTransports, toBase64Url } from './credential-encoding.js';

/**
 * A registration as the Okta clients post it (`clientData`, `attestation`, optionally
 * `transports`, standard base64; docs/protocol/idx-protocol-2.md §6.2), in the W3C JSON form
 * `@simplewebauthn/server` verifies. The clients do not send the credential id: it is read from
 * the attestation's authenticator data. Null: a member is missing or is not what it must be.
 */
export function registrationResponse(answer: Answer): RegistrationResponseJSON | null {
  if (typeof answer === 'string') return null;
  const clientDataJSON = toBase64Url(answer.clientData);
  const attestationObject = toBase64Url(answer.attestation);
  if (!clientDataJSON || !attestationObject) return null;
  let credentialId: string;
  try {
    const authData = decodeAttestationObject(Buffer.from(attestationObject, 'base64url')).get('authData');
    const { credentialID } = parseAuthenticatorData(authData);
    if (!credentialID) return null;
    credentialId = Buffer.from(credentialID).toString('base64url');
  } catch {
    return null;
  }
  return {
    id: credentialId,
    rawId: credentialId,
    type: 'public-key',
    response: { clientDataJSON, attestationObject, transports: parseTransports(answer.transports) },
    clientExtensionResults: {},
  };
}
