import { bytesToBase64 } from './base64.js';

/** What `idx.proceed` takes after `navigator.credentials.create()`: the enrollment's answer. */
export interface AttestationAnswer {
  clientData: string;
  attestation: string;
  /** JSON list of the transports (`["internal"]`), when the browser tells them. */
  transports?: string;
}

/** What `idx.proceed` takes after `navigator.credentials.get()`: the challenge's answer. */
export interface AssertionAnswer {
  clientData: string;
  authenticatorData: string;
  signatureData: string;
  userHandle?: string;
}

/**
 * The answer to a WebAuthn enrollment from the new credential, in standard base64 as Okta's
 * clients send it (docs/protocol/idx-protocol-2.md §6.2). The credential id is not sent: the server
 * reads it from the attestation.
 */
export function getAttestation(credential: PublicKeyCredential): AttestationAnswer {
  const response = credential.response as AuthenticatorAttestationResponse;
  const transports = typeof response.getTransports === 'function' ? response.getTransports() : undefined;
  return {
    clientData: bytesToBase64(response.clientDataJSON),
    attestation: bytesToBase64(response.attestationObject),
    ...(transports ? { transports: JSON.stringify(transports) } : {}),
  };
}

/** The answer to a WebAuthn challenge from the assertion (docs/protocol/idx-protocol-2.md §6.5). */
export function getAssertion(credential: PublicKeyCredential): AssertionAnswer {
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    clientData: bytesToBase64(response.clientDataJSON),
    authenticatorData: bytesToBase64(response.authenticatorData),
    signatureData: bytesToBase64(response.signature),
    ...(response.userHandle ? { userHandle: bytesToBase64(response.userHandle) } : {}),
  };
}
