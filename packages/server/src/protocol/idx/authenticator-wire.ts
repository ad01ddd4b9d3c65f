import { AuthenticatorKey } from '@gatehouse/protocol';
import type { Presentation } from '../../authenticators/authenticator.js';

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
  google_otp: { type: 'app', key: 'google_otp', id: 'autGoogleOtp', methods: ['otp'] },
  webauthn: { type: 'security_key', key: 'webauthn', id: 'autWebauthn', methods: ['webauthn'] },
};

type Stage = 'challenge' | 'enroll';

/**
 * How an authenticator's presentation (what the client needs to answer, in the authenticator's
 * own standard names) reads as Okta's `contextualData` (docs/protocol/idx-protocol-2.md §5.2, §6.1,
 * §6.4). An authenticator missing here passes its presentation through as it is.
 */
const CONTEXTUAL_DATA: Readonly<Record<string, (stage: Stage, p: Presentation) => Record<string, unknown>>> =
  {
    // An authenticator app: the otpauth QR code as an image and the secret for "Can't scan?".
    google_otp: (_stage, p) => ({
      qrcode: { method: 'embedded', href: p.qrCode, type: 'image/png' },
      sharedSecret: p.sharedSecret,
    }),
    // WebAuthn options (W3C JSON form, base64url): creation options at a set-up, request options at a
    // challenge. Never `extensions` (appid breaks the widget on a self-hosted server).
    webauthn: (stage, p) => {
      const { extensions: _, ...options } = p.publicKey as Record<string, unknown>;
      return stage === 'enroll' ? { activationData: options } : { challengeData: options };
    },
  };

export function contextualData(
  key: string,
  stage: Stage,
  presentation: Presentation,
): Record<string, unknown> {
  return CONTEXTUAL_DATA[key]?.(stage, presentation) ?? { ...presentation };
}

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
