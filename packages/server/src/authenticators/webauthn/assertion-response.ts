import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Answer } from '../authenticator.js';
import { toBase64Url } from './credential-encoding.js';

/**
 * An assertion as the Okta clients post it (`clientData`, `authenticatorData`, `signatureData`,
 * optionally `userHandle`, standard base64; docs/protocol/idx-protocol-2.md §6.5), in the W3C JSON
 * form `@simplewebauthn/server` verifies, for the credential `credentialId`: the clients do not say
 * which credential answered, so each of the user's is tried. Null: a member is missing or malformed.
 */
export function assertionResponse(answer: Answer): Omit<AuthenticationResponseJSON, 'id' | 'rawId'> | null {
  if (typeof answer === 'string') return null;
  const clientDataJSON = toBase64Url(answer.clientData);
  const authenticatorData = toBase64Url(answer.authenticatorData);
  const signature = toBase64Url(answer.signatureData);
  if (!clientDataJSON || !authenticatorData || !signature) return null;
  let userHandle: string | undefined;
  if (answer.userHandle !== undefined && answer.userHandle !== '') {
    const decoded = toBase64Url(answer.userHandle);
    if (!decoded) return null;
    userHandle = decoded;
  }
  return {
    type: 'public-key',
    response: { clientDataJSON, authenticatorData, signature, ...(userHandle ? { userHandle } : {}) },
    clientExtensionResults: {},
  };
}
