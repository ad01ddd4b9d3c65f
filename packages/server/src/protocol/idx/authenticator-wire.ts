import { AuthenticatorKey } from '@gatehouse/protocol';

/** How an authenticator is named on the IDX wire. */
export interface WireAuthenticator {
  /** `type` of the authenticator object (`password`, `email`, `app`, `security_key`, …). */
  type: string;
  /** `key` the clients pick a view or handler by (`okta_password`, `okta_email`, …). */
  key: string;
  /** The id clients are given and post back to choose it. */
  id: string;
  methods: string[];
}

/**
 * Wire names of the installed authenticators, by registry key. An authenticator missing here is
 * shown under its registry key (Okta's own keys for TOTP and WebAuthn are `google_otp` and
 * `webauthn`), with the id `aut_<key>`.
 */
const WIRE_NAMES: Readonly<Record<string, WireAuthenticator>> = {
  password: { type: 'password', key: AuthenticatorKey.password, id: 'autPassword', methods: ['password'] },
  email: { type: 'email', key: AuthenticatorKey.email, id: 'autEmail', methods: ['email'] },
};

const GENERIC_ID_PREFIX = 'aut_';

export function wireAuthenticator(key: string): WireAuthenticator {
  return WIRE_NAMES[key] ?? { type: key, key, id: `${GENERIC_ID_PREFIX}${key}`, methods: [key] };
}

/** The registry key behind an id a client posted; null for an id no authenticator has. */
export function authenticatorKeyOf(id: string): string | null {
  for (const [key, wire] of Object.entries(WIRE_NAMES)) if (wire.id === id) return key;
  if (id.startsWith(GENERIC_ID_PREFIX) && !(id.slice(GENERIC_ID_PREFIX.length) in WIRE_NAMES))
    return id.slice(GENERIC_ID_PREFIX.length);
  return null;
}
