import { loginKey } from '../../identity/users.js';
import type { PublicKeyEnrollment } from '../authenticator.js';
import type { WebauthnKeys } from './derived-keys.js';

/**
 * What a passkey challenge shows for an identifier without passkeys (no account, or an account
 * that has none): one credential that looks like a real one (a 32-byte id, a platform or a
 * security-key transport, an enrollment id of the same shape), derived by HMAC from the server
 * secret and the identifier, so it is the same at every attempt and nobody can tell whether an
 * account has passkeys. No authenticator holds it, so an answer never verifies.
 */
export function decoyKeys(keys: WebauthnKeys, identifier: string): PublicKeyEnrollment[] {
  const subject = loginKey(identifier);
  const credential = keys.decoy(`credential:${subject}`);
  const platform = (credential[0]! & 1) === 0;
  const id = keys.decoy(`enrollment:${subject}`).toString('base64url').replace(/[-_]/g, '').slice(0, 17);
  return [
    {
      id: `fwf${id}`,
      name: platform ? 'Built-in authenticator' : 'Security key',
      credentialId: credential.toString('base64url'),
      transports: platform ? ['internal', 'hybrid'] : ['usb', 'nfc'],
    },
  ];
}
