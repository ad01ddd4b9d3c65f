/**
 * WebAuthn helpers (`@gatehouse/sdk/webauthn`): the options a WebAuthn step asks for, for
 * `navigator.credentials`, and the credential back as the step's answer. A module of its own so
 * apps without passkeys do not carry it.
 */
export { base64ToBytes, bytesToBase64 } from './base64.js';
export {
  type AssertionAnswer,
  type AttestationAnswer,
  getAssertion,
  getAttestation,
} from './credential-answer.js';
export {
  buildCredentialCreationOptions,
  buildCredentialRequestOptions,
  credentialOptionsFrom,
  type KnownCredential,
  knownCredentials,
} from './credential-options.js';
